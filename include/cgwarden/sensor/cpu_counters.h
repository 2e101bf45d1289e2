// Raw cumulative CPU counters read from the kernel maps, by cgroup id.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "cgwarden/cgroup/cgroup_id.h"
#include "cgwarden/bpf/programs.h"
#include "cgwarden/common/histogram.h"
#include "cgwarden/cpu_abi.h"

namespace cgw {

struct CgroupCpuCounters {
    uint64_t runq_delay_ns = 0;
    uint64_t runq_events = 0;
    uint64_t runq_max_ns = 0;
    uint64_t throttled_ns = 0;
    uint64_t throttled_events = 0;
    LatencyHistogram runq_hist;

    // No wait ended and no throttled wait began between the two readings
    // (the times too: an entry restarted for a reused id may have the same
    // counts), so nothing else moved either.
    bool same_waits(const CgroupCpuCounters &other) const {
        return runq_events == other.runq_events && throttled_events == other.throttled_events &&
               runq_delay_ns == other.runq_delay_ns && throttled_ns == other.throttled_ns;
    }
};

struct PreemptCounters {
    uint64_t delay_ns = 0;
    uint64_t count = 0;
};

// (victim cgroup id, antagonist cgroup id)
using PreemptPair = std::pair<CpuCgroupId, CpuCgroupId>;

struct PreemptPairHash {
    size_t operator()(const PreemptPair &pair) const noexcept {
        return std::hash<uint64_t>{}(pair.first.value * 0x9e3779b97f4a7c15ULL ^ pair.second.value);
    }
};

struct CpuCounters {
    std::map<CpuCgroupId, CgroupCpuCounters> by_cgroup;
    // Hashed, not ordered: thousands of pairs on a busy node, read and
    // compared every pass.
    std::unordered_map<PreemptPair, PreemptCounters, PreemptPairHash> preempt;
    std::array<uint64_t, CGW_CPU_DROP_COUNT> drops{};
};

}  // namespace cgw
