// Raw cumulative CPU counters read from the kernel maps, by cgroup id.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "cgwarden/cgroup/cgroup_id.h"
#include "cgwarden/bpf/programs.h"
#include "cgwarden/common/histogram.h"
#include "cgwarden/common/sorted_table.h"
#include "cgwarden/cpu_abi.h"
#include "cgwarden/sensor/preempt_pairs.h"

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

struct CpuCounters {
    SortedTable<CpuCgroupId, CgroupCpuCounters> by_cgroup;
    PreemptPairs preempt;
    std::array<uint64_t, CGW_CPU_DROP_COUNT> drops{};
};

}  // namespace cgw
