#include "cgwarden/net/drop_reasons.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <memory>

namespace cgw {
namespace {

struct BtfDeleter {
    void operator()(btf *b) const { btf__free(b); }
};

TEST(DropReasonNames, ComeFromTheEnumInBtfWithoutThePrefix) {
    std::unique_ptr<btf, BtfDeleter> b{btf__new_empty()};
    ASSERT_TRUE(b);
    // Numbers unlike any real kernel's: the names must follow the BTF.
    ASSERT_GT(btf__add_enum(b.get(), "skb_drop_reason", 4), 0);
    ASSERT_EQ(btf__add_enum_value(b.get(), "SKB_CONSUMED", 1), 0);
    ASSERT_EQ(btf__add_enum_value(b.get(), "SKB_DROP_REASON_QDISC_DROP", 7), 0);
    ASSERT_EQ(btf__add_enum_value(b.get(), "SKB_DROP_REASON_SOCKET_RCVBUFF", 40), 0);

    auto names = DropReasonNames::from_btf(b.get());
    ASSERT_TRUE(names) << names.error().message;
    EXPECT_EQ(names->name(7), "QDISC_DROP");
    EXPECT_EQ(names->name(40), "SOCKET_RCVBUFF");
    EXPECT_EQ(names->name(1), "SKB_CONSUMED");
    EXPECT_EQ(names->name(3), "UNKNOWN_3");
}

TEST(DropReasonNames, MissingEnumIsAnError) {
    std::unique_ptr<btf, BtfDeleter> b{btf__new_empty()};
    auto names = DropReasonNames::from_btf(b.get());
    ASSERT_FALSE(names);
    EXPECT_NE(names.error().message.find("5.17"), std::string::npos);
    EXPECT_EQ(DropReasonNames{}.name(64), "UNKNOWN_64");
}

}  // namespace
}  // namespace cgw
