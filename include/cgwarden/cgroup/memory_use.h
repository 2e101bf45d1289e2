// A cgroup's memory on cgroup v2: how much it holds (memory.current) and how
// long its tasks stalled waiting for memory (memory.pressure). The evidence
// behind the memory_stall SLO and the memory_high knob.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cgwarden/cgroup/layout.h"
#include "cgwarden/common/open_files.h"

namespace cgw {

struct MemoryUse {
    uint64_t current_bytes = 0;
    uint64_t stall_some_us = 0;  // PSI memory "some" total, cumulative
};

// Where the memory controller is on cgroup2: memory.high exists only there
// (a hybrid node's v1 memory controller has no memory.high, and its cgroup2
// no memory.current). nullopt elsewhere, for the root, and for a cgroup
// removed meanwhile.
bool memory_on_cgroup2(const CgroupLayout &layout);
std::optional<MemoryUse> read_memory_use(const CgroupLayout &layout,
                                         const std::string &relative_path,
                                         OpenFiles *files = nullptr);

}  // namespace cgw
