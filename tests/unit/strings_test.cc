#include "cgwarden/common/strings.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

TEST(ValidUtf8, KeepsUtf8AndReplacesEveryOtherByte) {
    EXPECT_EQ(valid_utf8("/system.slice/kubelet.service"), "/system.slice/kubelet.service");
    EXPECT_EQ(valid_utf8("/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x90\xa7"),
              "/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x90\xa7");
    const std::string r = "\xef\xbf\xbd";  // U+FFFD
    EXPECT_EQ(valid_utf8("caf\xe9"), "caf" + r) << "Latin-1";
    EXPECT_EQ(valid_utf8("\xc0\xaf"), r + r) << "overlong '/'";
    EXPECT_EQ(valid_utf8("\xed\xa0\x80"), r + r + r) << "a surrogate";
    EXPECT_EQ(valid_utf8("\xf4\x90\x80\x80"), r + r + r + r) << "above U+10FFFF";
    EXPECT_EQ(valid_utf8("ab\xe2\x82"), "ab" + r + r) << "cut short";
    EXPECT_EQ(valid_utf8(""), "");
}

}  // namespace
}  // namespace cgw
