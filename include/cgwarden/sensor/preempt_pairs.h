// The preemption pairs of one reading: how long and how often tasks of a
// victim cgroup waited for a CPU that a task of an antagonist cgroup held.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "cgwarden/cgroup/cgroup_id.h"

namespace cgw {

struct PreemptCounters {
    uint64_t delay_ns = 0;
    uint64_t count = 0;
};

// (victim cgroup id, antagonist cgroup id)
using PreemptPair = std::pair<CpuCgroupId, CpuCgroupId>;

// Sorted by pair, in one array: a busy node has thousands of pairs, read in
// one batch every pass and walked in step (InStep) with the last pass's.
// A hash of them cost an allocation and a lookup per pair, a fifth of a
// pass at 10,000 cgroups.
class PreemptPairs {
  public:
    using key_type = PreemptPair;
    using mapped_type = PreemptCounters;
    using value_type = std::pair<PreemptPair, PreemptCounters>;
    using const_iterator = std::vector<value_type>::const_iterator;

    PreemptPairs() = default;
    // Pairs in any order, each at most once.
    explicit PreemptPairs(std::vector<value_type> pairs);

    // The pair's counters, zero when it is new (kept in order: for tests and
    // small readings, not for a batch).
    PreemptCounters &operator[](const PreemptPair &pair);
    const PreemptCounters *find(const PreemptPair &pair) const;

    const_iterator begin() const { return pairs_.begin(); }
    const_iterator end() const { return pairs_.end(); }
    size_t size() const { return pairs_.size(); }
    bool empty() const { return pairs_.empty(); }
    void clear() { pairs_.clear(); }

  private:
    std::vector<value_type> pairs_;
};

}  // namespace cgw
