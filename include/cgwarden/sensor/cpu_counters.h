// Raw cumulative CPU counters read from the kernel maps, by cgroup id.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

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
};

struct PreemptCounters {
    uint64_t delay_ns = 0;
    uint64_t count = 0;
};

// (victim cgroup id, antagonist cgroup id)
using PreemptPair = std::pair<uint64_t, uint64_t>;

struct CpuCounters {
    std::map<uint64_t, CgroupCpuCounters> by_cgroup;
    std::map<PreemptPair, PreemptCounters> preempt;
    std::array<uint64_t, CGW_CPU_DROP_COUNT> drops{};
};

}  // namespace cgw
