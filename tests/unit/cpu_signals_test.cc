#include "cgwarden/signals/cpu_signals.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

CgroupCpuCounters counters(uint64_t delay_ns, std::vector<uint64_t> waits, uint64_t max_ns) {
    CgroupCpuCounters c;
    c.runq_delay_ns = delay_ns;
    c.runq_events = waits.size();
    c.runq_max_ns = max_ns;
    LatencyHistogram::Counts counts{};
    for (uint64_t w : waits)
        counts[cgw_hist_bucket(w)]++;
    c.runq_hist.add(counts.data());
    return c;
}

TEST(CpuSignals, DifferencesTwoSamples) {
    Sample before;
    before.monotonic_ns = 1'000'000'000;
    before.cpu.by_cgroup[CpuCgroupId(10)] = counters(1'000'000, {1'000'000}, 1'000'000);
    before.cpu_stat[CpuCgroupId(10)] = {.usage_ns = 5'000'000'000,
                                        .nr_periods = 10,
                                        .nr_throttled = 2,
                                        .throttled_ns = 100'000'000};
    before.cpu.preempt[{CpuCgroupId(10), CpuCgroupId(20)}] = {500'000, 1};

    Sample after = before;
    after.monotonic_ns = 3'000'000'000;
    after.cpu.by_cgroup[CpuCgroupId(10)] =
        counters(7'000'000, {1'000'000, 2'000'000, 4'000'000}, 4'000'000);
    after.cpu.by_cgroup[CpuCgroupId(10)].throttled_ns = 300'000'000;
    after.cpu.by_cgroup[CpuCgroupId(10)].throttled_events = 3;
    after.cpu_stat[CpuCgroupId(10)] = {.usage_ns = 6'500'000'000,
                                       .nr_periods = 30,
                                       .nr_throttled = 12,
                                       .throttled_ns = 400'000'000};
    after.cpu.preempt[{CpuCgroupId(10), CpuCgroupId(20)}] = {4'500'000, 2};
    before.cpu_psi[CpuCgroupId(10)] = {
        .some_total_us = 1'000, .full_total_us = 500, .some_avg10 = 0};
    after.cpu_psi[CpuCgroupId(10)] = {
        .some_total_us = 251'000, .full_total_us = 100'500, .some_avg10 = 3};
    after.cpu.preempt[{CpuCgroupId(10), CpuCgroupId(30)}] = {2'000'000, 1};

    CpuSignals s = compute_cpu_signals(before, after);
    EXPECT_DOUBLE_EQ(s.window_s, 2.0);
    const CgroupCpuSignals &c = s.by_cgroup.at(CpuCgroupId(10));
    EXPECT_DOUBLE_EQ(c.runq_delay_total_s, 0.006);
    EXPECT_EQ(c.runq_events, 2u);
    EXPECT_DOUBLE_EQ(c.runq_delay_max_s, 0.004);
    EXPECT_GT(c.runq_delay_p99_s, 0.003);
    EXPECT_LE(c.runq_delay_p99_s, 0.004);
    EXPECT_DOUBLE_EQ(c.throttled_s, 0.3);
    EXPECT_DOUBLE_EQ(c.cpu_stat_throttled_s, 0.3);
    EXPECT_EQ(c.nr_throttled, 10u);
    EXPECT_DOUBLE_EQ(c.usage_s, 1.5);
    EXPECT_DOUBLE_EQ(c.psi_some_s.value(), 0.25);
    EXPECT_DOUBLE_EQ(c.psi_full_s.value(), 0.1);
    ASSERT_EQ(c.preempted_by.size(), 2u);
    EXPECT_EQ(c.preempted_by[0].cgroup_id, CpuCgroupId(20)) << "most delay first";
    EXPECT_DOUBLE_EQ(c.preempted_by[0].delay_s, 0.004);
    EXPECT_EQ(c.preempted_by[0].count, 1u);
    EXPECT_EQ(c.preempted_by[1].cgroup_id, CpuCgroupId(30));
}

TEST(CpuSignals, WindowMaximumComesFromTheHistogramWhenTheLifetimeMaximumIsOlder) {
    Sample before;
    before.cpu.by_cgroup[CpuCgroupId(1)] = counters(50'000'000, {50'000'000}, 50'000'000);
    Sample after = before;
    after.monotonic_ns = 1'000'000'000;
    after.cpu.by_cgroup[CpuCgroupId(1)] = counters(50'010'000, {50'000'000, 10'000}, 50'000'000);
    CpuSignals s = compute_cpu_signals(before, after);
    const auto &c = s.by_cgroup.at(CpuCgroupId(1));
    EXPECT_LT(c.runq_delay_max_s, 0.001) << "the 50 ms wait happened before the window";
    EXPECT_GE(c.runq_delay_max_s, 10e-6);
}

TEST(CpuSignals, ACgroupCreatedInsideTheWindowCountsFromZero) {
    Sample before;
    Sample after;
    after.monotonic_ns = 1'000'000'000;
    after.cpu_stat[CpuCgroupId(5)] = {
        .usage_ns = 200'000'000, .nr_periods = 0, .nr_throttled = 0, .throttled_ns = 0};
    after.cpu.by_cgroup[CpuCgroupId(5)] = counters(1000, {1000}, 1000);
    CpuSignals s = compute_cpu_signals(before, after);
    EXPECT_DOUBLE_EQ(s.by_cgroup.at(CpuCgroupId(5)).usage_s, 0.2);
    EXPECT_EQ(s.by_cgroup.at(CpuCgroupId(5)).runq_events, 1u);
    EXPECT_TRUE(s.by_cgroup.at(CpuCgroupId(5)).active());
    EXPECT_FALSE(s.by_cgroup.at(CpuCgroupId(5)).psi_some_s) << "no cpu.pressure was read for it";
}

TEST(CpuSignals, AReusedCgroupIdRestartsItsCounters) {
    Sample before;
    before.cpu.by_cgroup[CpuCgroupId(7)] = counters(9'000'000, {9'000'000}, 9'000'000);
    Sample after;
    after.monotonic_ns = 1;
    after.cpu.by_cgroup[CpuCgroupId(7)] = counters(2'000, {2'000}, 2'000);
    CpuSignals s = compute_cpu_signals(before, after);
    EXPECT_DOUBLE_EQ(s.by_cgroup.at(CpuCgroupId(7)).runq_delay_total_s, 2e-6);
    EXPECT_EQ(s.by_cgroup.at(CpuCgroupId(7)).runq_events, 1u);
}

TEST(CpuSignals, CountsLostEventsInTheWindow) {
    Sample before;
    before.cpu.drops[CGW_CPU_DROP_STATS_FULL] = 3;
    Sample after = before;
    after.cpu.drops[CGW_CPU_DROP_STATS_FULL] = 8;
    EXPECT_EQ(compute_cpu_signals(before, after).drops[CGW_CPU_DROP_STATS_FULL], 5u);
}

}  // namespace
}  // namespace cgw
