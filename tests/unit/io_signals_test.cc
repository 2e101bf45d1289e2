#include "cgwarden/signals/io_signals.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

const BlockDevice kVda{254, 0};
const BlockDevice kSda{8, 0};

IoOpCounters op(std::vector<uint64_t> device_ns, uint64_t bytes_each,
                std::vector<uint64_t> queue_ns = {}) {
    IoOpCounters c;
    c.ops = device_ns.size();
    c.bytes = bytes_each * device_ns.size();
    LatencyHistogram::Counts device{};
    LatencyHistogram::Counts queue{};
    for (uint64_t ns : device_ns) {
        device[cgw_hist_bucket(ns)]++;
        c.device_max_ns = std::max(c.device_max_ns, ns);
        c.device_ns += ns;
    }
    queue_ns.resize(device_ns.size(), 0);
    for (uint64_t ns : queue_ns) {
        queue[cgw_hist_bucket(ns)]++;
        c.queue_max_ns = std::max(c.queue_max_ns, ns);
        c.queue_ns += ns;
    }
    c.device_hist.add(device.data());
    c.queue_hist.add(queue.data());
    return c;
}

TEST(IoSignals, DifferencesTwoReadingsPerCgroupAndDevice) {
    IoCounters before;
    before.stats[{IoCgroupId(7), kVda, CGW_IO_OP_READ}] = op({1'000'000}, 4096);
    IoCounters after;
    after.stats[{IoCgroupId(7), kVda, CGW_IO_OP_READ}] =
        op({1'000'000, 100'000, 100'000, 100'000}, 4096, {0, 0, 0, 3'000'000});
    after.stats[{IoCgroupId(7), kVda, CGW_IO_OP_WRITE}] = op({200'000}, 8192);
    after.stats[{IoCgroupId(7), kSda, CGW_IO_OP_FLUSH}] = op({50'000}, 0);

    IoSignals s = compute_io_signals(before, after);
    const CgroupIoSignals &c = s.by_cgroup.at(IoCgroupId(7));
    EXPECT_EQ(c.ops, 5u);
    EXPECT_EQ(c.read_ops, 3u);
    EXPECT_EQ(c.write_ops, 1u);
    EXPECT_EQ(c.bytes, 3u * 4096 + 8192);
    EXPECT_LT(c.latency_max_s, 0.001) << "the 1 ms read happened before the window";
    EXPECT_GE(c.latency_max_s, 200e-6);
    EXPECT_GE(c.latency_p50_s, 80e-6);
    EXPECT_LE(c.latency_p50_s, 125e-6);
    EXPECT_GT(c.queue_p99_s, 0.002);
    // 3 x 100 us + 200 us + 50 us of device time, 3 ms queued: the window's part only.
    EXPECT_NEAR(c.wait_total_s, 550e-6 + 0.003, 1e-12);
    ASSERT_EQ(c.devices.size(), 2u);
    const DeviceIoSignals &vda = c.devices.at(kVda);
    EXPECT_EQ(vda.ops, 4u);
    EXPECT_EQ(vda.bytes, 3u * 4096 + 8192);
    EXPECT_EQ(c.devices.at(kSda).ops, 1u);
    EXPECT_EQ(c.devices.at(kSda).bytes, 0u);
}

TEST(IoSignals, IdleEntriesAreLeftOut) {
    IoCounters before;
    before.stats[{IoCgroupId(7), kVda, CGW_IO_OP_READ}] = op({1'000}, 4096);
    IoSignals s = compute_io_signals(before, before);
    EXPECT_TRUE(s.by_cgroup.empty());
}

TEST(IoSignals, AReusedCgroupIdRestartsItsCounters) {
    IoCounters before;
    before.stats[{IoCgroupId(7), kVda, CGW_IO_OP_READ}] = op({1'000, 1'000, 1'000}, 4096);
    IoCounters after;
    after.stats[{IoCgroupId(7), kVda, CGW_IO_OP_READ}] = op({2'000'000}, 512);
    IoSignals s = compute_io_signals(before, after);
    EXPECT_EQ(s.by_cgroup.at(IoCgroupId(7)).ops, 1u);
    EXPECT_EQ(s.by_cgroup.at(IoCgroupId(7)).bytes, 512u);
    EXPECT_DOUBLE_EQ(s.by_cgroup.at(IoCgroupId(7)).latency_max_s, 0.002);
}

TEST(IoSignals, QueuedBehindSumsDevicesMostDelayFirst) {
    IoCounters before;
    before.queued_behind[{IoCgroupId(1), IoCgroupId(2), kVda}] = {1'000'000, 10};
    IoCounters after;
    after.queued_behind[{IoCgroupId(1), IoCgroupId(2), kVda}] = {3'000'000, 30};
    after.queued_behind[{IoCgroupId(1), IoCgroupId(2), kSda}] = {1'000'000, 5};
    after.queued_behind[{IoCgroupId(1), IoCgroupId(3), kVda}] = {2'500'000, 1};
    after.queued_behind[{IoCgroupId(4), IoCgroupId(2), kVda}] = {1'000, 1};

    IoSignals s = compute_io_signals(before, after);
    const auto &behind = s.by_cgroup.at(IoCgroupId(1)).queued_behind;
    ASSERT_EQ(behind.size(), 2u);
    EXPECT_EQ(behind[0].cgroup_id, IoCgroupId(2));
    EXPECT_DOUBLE_EQ(behind[0].delay_s, 0.003) << "2 ms on vda in the window + 1 ms on sda";
    EXPECT_EQ(behind[0].count, 25u);
    EXPECT_EQ(behind[1].cgroup_id, IoCgroupId(3));
    const auto &vda = s.by_cgroup.at(IoCgroupId(1)).devices.at(kVda).queued_behind;
    ASSERT_EQ(vda.size(), 2u);
    EXPECT_EQ(vda[0].cgroup_id, IoCgroupId(3)) << "on vda alone the other cgroup caused more delay";
    EXPECT_EQ(s.by_cgroup.at(IoCgroupId(4)).queued_behind.size(), 1u);
}

TEST(IoSignals, CountsLostEventsInTheWindow) {
    IoCounters before;
    before.drops[CGW_IO_DROP_OUTLIER_RATE_LIMITED] = 4;
    IoCounters after = before;
    after.drops[CGW_IO_DROP_OUTLIER_RATE_LIMITED] = 10;
    EXPECT_EQ(compute_io_signals(before, after).drops[CGW_IO_DROP_OUTLIER_RATE_LIMITED], 6u);
}

}  // namespace
}  // namespace cgw
