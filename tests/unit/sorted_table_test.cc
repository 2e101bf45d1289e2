#include "cgwarden/sensor/preempt_pairs.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cgwarden/common/in_step.h"

namespace cgw {
namespace {

PreemptPair pair(uint64_t victim, uint64_t antagonist) {
    return {CpuCgroupId(victim), CpuCgroupId(antagonist)};
}

TEST(PreemptPairs, ABatchInAnyOrderIsSortedByVictimThenAntagonist) {
    PreemptPairs pairs(
        {{pair(20, 5), {300, 3}}, {pair(10, 30), {100, 1}}, {pair(10, 5), {200, 2}}});
    ASSERT_EQ(pairs.size(), 3u);
    EXPECT_TRUE(std::ranges::is_sorted(pairs, {}, &PreemptPairs::value_type::first));
    EXPECT_EQ(pairs.begin()->first, pair(10, 5));
    ASSERT_NE(pairs.find(pair(20, 5)), nullptr);
    EXPECT_EQ(pairs.find(pair(20, 5))->delay_ns, 300u);
    EXPECT_EQ(pairs.find(pair(5, 20)), nullptr);  // the other way round is another pair
}

TEST(PreemptPairs, AddingAPairKeepsTheOrder) {
    PreemptPairs pairs;
    pairs[pair(30, 1)] = {10, 1};
    pairs[pair(10, 2)] = {20, 2};
    pairs[pair(30, 1)].count += 1;  // the same pair, not a second one
    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_TRUE(std::ranges::is_sorted(pairs, {}, &PreemptPairs::value_type::first));
    EXPECT_EQ(pairs.find(pair(30, 1))->count, 2u);
}

TEST(PreemptPairs, WalkedInStepWithAnotherReading) {
    PreemptPairs before({{pair(1, 2), {10, 1}}, {pair(3, 4), {30, 3}}});
    PreemptPairs after({{pair(3, 4), {40, 4}}, {pair(1, 1), {5, 1}}, {pair(1, 2), {10, 1}}});
    InStep then(before);
    std::vector<uint64_t> previous_counts;
    for (const auto &[key, now] : after) {
        const PreemptCounters *p = then.at(key);
        previous_counts.push_back(p ? p->count : 0);
    }
    EXPECT_EQ(previous_counts, (std::vector<uint64_t>{0, 1, 3}));
}

}  // namespace
}  // namespace cgw
