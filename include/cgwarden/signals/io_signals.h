// Block IO signals over a window: the difference of two readings of the IO
// counters, as counts, bytes and latency percentiles per cgroup and device.
// Pure functions of the two readings.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "cgwarden/sensor/io_counters.h"

namespace cgw {

// A cgroup that had requests in flight ahead of the waiter's requests.
struct QueuedBehind {
    IoCgroupId cgroup_id;
    double delay_s = 0;  // waiter's latency, shared by requests ahead
    uint64_t count = 0;  // waiter's requests that found it ahead
};

// Latency figures are device latency (issue -> completion) unless named
// queue (insert -> issue).
struct IoLatencySignals {
    uint64_t ops = 0;
    uint64_t bytes = 0;
    double wait_total_s = 0;  // queue + device latency of all the ops
    double latency_p50_s = 0;
    double latency_p99_s = 0;
    double latency_max_s = 0;
    double queue_p99_s = 0;
};

struct DeviceIoSignals : IoLatencySignals {
    std::vector<QueuedBehind> queued_behind;  // most delay first
};

struct CgroupIoSignals : IoLatencySignals {
    uint64_t read_ops = 0;
    uint64_t write_ops = 0;
    std::map<BlockDevice, DeviceIoSignals> devices;
    std::vector<QueuedBehind> queued_behind;  // all devices, most delay first

    bool active() const { return ops > 0; }
};

struct IoSignals {
    std::map<IoCgroupId, CgroupIoSignals> by_cgroup;
    std::array<uint64_t, CGW_IO_DROP_COUNT> drops{};
};

IoSignals compute_io_signals(const IoCounters &before, const IoCounters &after);

}  // namespace cgw
