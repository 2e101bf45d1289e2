// Raw cumulative block IO counters read from the kernel maps, keyed by the
// cgroup id of the IO's owner (see io_cgroup_mount), the disk and the op class.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <string>

#include "cgwarden/cgroup/cgroup_id.h"
#include "cgwarden/common/histogram.h"
#include "cgwarden/io_abi.h"

namespace cgw {

// A whole disk, as the kernel numbers it (io.stat and io.max use MAJ:MIN).
struct BlockDevice {
    uint32_t major = 0;
    uint32_t minor = 0;

    static BlockDevice from_kernel(uint32_t dev) {
        return {dev >> CGW_IO_MINOR_BITS, dev & ((1u << CGW_IO_MINOR_BITS) - 1)};
    }
    std::string to_string() const { return std::to_string(major) + ":" + std::to_string(minor); }
    auto operator<=>(const BlockDevice &) const = default;
};

struct IoStatsKey {
    IoCgroupId cgroup;
    BlockDevice device;
    uint32_t op = CGW_IO_OP_READ;  // enum cgw_io_op
    auto operator<=>(const IoStatsKey &) const = default;
};

struct IoOpCounters {
    uint64_t ops = 0;
    uint64_t bytes = 0;
    uint64_t device_max_ns = 0;
    uint64_t queue_max_ns = 0;
    uint64_t device_ns = 0;  // sums, for the exporter's histogram _sum
    uint64_t queue_ns = 0;
    LatencyHistogram device_hist;
    LatencyHistogram queue_hist;
};

struct QueuedBehindKey {
    IoCgroupId waiter_cgroup;
    IoCgroupId ahead_cgroup;
    BlockDevice device;
    auto operator<=>(const QueuedBehindKey &) const = default;
};

struct QueuedBehindCounters {
    uint64_t delay_ns = 0;
    uint64_t count = 0;
};

struct IoCounters {
    std::map<IoStatsKey, IoOpCounters> stats;
    std::map<QueuedBehindKey, QueuedBehindCounters> queued_behind;
    std::array<uint64_t, CGW_IO_DROP_COUNT> drops{};
};

// One latency outlier from the ring buffer.
struct IoOutlier {
    uint64_t completed_ns = 0;  // CLOCK_MONOTONIC
    IoCgroupId cgroup;
    BlockDevice device;
    uint32_t op = CGW_IO_OP_READ;
    uint64_t queue_ns = 0;
    uint64_t device_ns = 0;
    uint64_t bytes = 0;
};

}  // namespace cgw
