// The sorted tables a pass builds (common/sorted_table.h), as the preemption
// pairs use them: built from a batch in any order, kept sorted, walked in
// step with another reading.
#include "cgwarden/common/sorted_table.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cgwarden/common/in_step.h"
#include "cgwarden/sensor/preempt_pairs.h"

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
    ASSERT_NE(pairs.find(pair(20, 5)), pairs.end());
    EXPECT_EQ(pairs.at(pair(20, 5)).delay_ns, 300u);
    EXPECT_FALSE(pairs.contains(pair(5, 20))) << "the other way round is another pair";
    EXPECT_THROW(pairs.at(pair(5, 20)), std::out_of_range);
}

TEST(PreemptPairs, AddingAPairKeepsTheOrder) {
    PreemptPairs pairs;
    pairs[pair(30, 1)] = {10, 1};
    pairs[pair(10, 2)] = {20, 2};
    pairs[pair(30, 1)].count += 1;  // the same pair, not a second one
    ASSERT_EQ(pairs.size(), 2u);
    EXPECT_TRUE(std::ranges::is_sorted(pairs, {}, &PreemptPairs::value_type::first));
    EXPECT_EQ(pairs.at(pair(30, 1)).count, 2u);
    pairs.erase(pair(30, 1));
    pairs.erase(pair(30, 1));  // gone already: nothing
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(pairs.begin()->first, pair(10, 2));
}

TEST(SortedTable, AppendedInKeyOrderAndFoundByKey) {
    SortedTable<CpuCgroupId, int> table;
    for (uint64_t id : {2, 5, 9})
        table.append(CpuCgroupId(id), static_cast<int>(id) * 10);
    EXPECT_EQ(table.count(CpuCgroupId(5)), 1u);
    EXPECT_EQ(table.count(CpuCgroupId(4)), 0u);
    EXPECT_EQ(table.find(CpuCgroupId(9))->second, 90);
    EXPECT_EQ(table.find(CpuCgroupId(10)), table.end()) << "past the last key";
    EXPECT_EQ(table.find(CpuCgroupId(1)), table.end()) << "before the first key";
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
