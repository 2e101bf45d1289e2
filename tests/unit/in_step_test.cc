#include "cgwarden/common/in_step.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace cgw {
namespace {

TEST(InStep, FindsEachKeyAskedInIncreasingOrder) {
    std::map<int, std::string> map{{2, "two"}, {5, "five"}, {9, "nine"}};
    InStep walk(map);
    EXPECT_EQ(walk.at(1), nullptr);
    ASSERT_NE(walk.at(2), nullptr);
    EXPECT_EQ(*walk.at(2), "two") << "the same key again";
    EXPECT_EQ(walk.at(4), nullptr);
    ASSERT_NE(walk.at(9), nullptr);
    EXPECT_EQ(*walk.at(9), "nine");
    EXPECT_EQ(walk.at(10), nullptr) << "past the end";
}

TEST(InStepKeys, AnswersMembershipWithSkippedKeys) {
    std::set<int> set{3, 4, 8};
    InStepKeys walk(set);
    EXPECT_FALSE(walk.contains(1));
    EXPECT_TRUE(walk.contains(4)) << "3 skipped over";
    EXPECT_FALSE(walk.contains(7));
    EXPECT_TRUE(walk.contains(8));
    EXPECT_FALSE(walk.contains(100));
}

TEST(InStepKeys, EmptySetHasNothing) {
    std::set<int> none;
    InStepKeys walk(none);
    EXPECT_FALSE(walk.contains(0));
}

}  // namespace
}  // namespace cgw
