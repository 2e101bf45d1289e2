// The preemption pairs of one reading: how long and how often tasks of a
// victim cgroup waited for a CPU that a task of an antagonist cgroup held.
#pragma once

#include <cstdint>
#include <utility>

#include "cgwarden/cgroup/cgroup_id.h"
#include "cgwarden/common/sorted_table.h"

namespace cgw {

struct PreemptCounters {
    uint64_t delay_ns = 0;
    uint64_t count = 0;
};

// (victim cgroup id, antagonist cgroup id)
using PreemptPair = std::pair<CpuCgroupId, CpuCgroupId>;

// Sorted by pair, in one array (common/sorted_table.h): a busy node has
// thousands of pairs, read in one batch every pass and walked in step with
// the last pass's.
using PreemptPairs = SortedTable<PreemptPair, PreemptCounters>;

}  // namespace cgw
