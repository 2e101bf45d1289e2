// Memory over a window, per cgroup: what it holds at the end and the share
// of the window its tasks stalled waiting for memory. Pure functions of two
// samples.
#pragma once

#include <cstdint>
#include <map>

#include "cgwarden/sensor/sample.h"

namespace cgw {

struct CgroupMemorySignals {
    uint64_t current_bytes = 0;
    double stall_fraction = 0;  // PSI memory "some" time / window, 0..1
};

// By the cpu hierarchy's id (they are cgroup2 ids: memory use is only read
// where cgroup2 holds the controllers); cgroups seen in both samples.
using MemorySignals = std::map<CpuCgroupId, CgroupMemorySignals>;

MemorySignals compute_memory_signals(const Sample &before, const Sample &after);

}  // namespace cgw
