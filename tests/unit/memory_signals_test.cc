// Memory signals from two samples: what a cgroup holds, and the share of
// the window its tasks stalled on memory (PSI "some").
#include "cgwarden/signals/memory_signals.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

Sample at(uint64_t ns, std::vector<std::pair<CpuCgroupId, MemoryUse>> memory) {
    Sample s;
    s.monotonic_ns = ns;
    s.memory = SortedTable<CpuCgroupId, MemoryUse>(std::move(memory));
    return s;
}

TEST(MemorySignals, StallShareOfTheWindowAndBytesHeldAtItsEnd) {
    Sample before = at(
        1'000'000'000,
        {{CpuCgroupId(7), {100, 5'000'000}}, {CpuCgroupId(8), {50, 0}}, {CpuCgroupId(9), {10, 0}}});
    Sample after = at(3'000'000'000, {{CpuCgroupId(7), {300, 5'500'000}},
                                      {CpuCgroupId(8), {60, 9'000'000}},
                                      {CpuCgroupId(10), {1, 1}}});
    MemorySignals s = compute_memory_signals(before, after);
    ASSERT_EQ(s.size(), 2u) << "only cgroups in both samples";
    EXPECT_EQ(s.at(CpuCgroupId(7)).current_bytes, 300u);
    EXPECT_DOUBLE_EQ(s.at(CpuCgroupId(7)).stall_fraction, 0.25) << "0.5 s stalled in a 2 s window";
    EXPECT_DOUBLE_EQ(s.at(CpuCgroupId(8)).stall_fraction, 1)
        << "several tasks stalling: capped at all of it";
}

TEST(MemorySignals, AReusedIdCountsFromZero) {
    Sample before = at(0, {{CpuCgroupId(7), {100, 9'000'000}}});
    Sample after = at(1'000'000'000, {{CpuCgroupId(7), {100, 200'000}}});
    EXPECT_DOUBLE_EQ(compute_memory_signals(before, after).at(CpuCgroupId(7)).stall_fraction, 0.2);
}

}  // namespace
}  // namespace cgw
