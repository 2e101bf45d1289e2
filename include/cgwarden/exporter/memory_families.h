// Memory families, per cgroup in scope: the stall time behind the
// memory_stall SLO and the bytes behind memory_high steps.
#pragma once

#include "cgwarden/exporter/family_builder.h"

namespace cgw {

// From the kernel's memory.current and memory.pressure, read where cgroup2
// holds the memory controller; no series elsewhere.
void add_memory_families(const TickReport &report, const ExportScope &scope, Families &out);

}  // namespace cgw
