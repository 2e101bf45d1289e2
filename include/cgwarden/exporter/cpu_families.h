// CPU contention families: run-queue delay, throttling, who preempted whom.
#pragma once

#include "cgwarden/exporter/family_builder.h"
#include "cgwarden/exporter/options.h"

namespace cgw {

// Cumulative kernel counters of the cgroups in scope. Antagonists are the
// options.top_antagonists that caused each victim the most delay in the last
// interval; their series carry the delay since cgwarden started.
void add_cpu_families(const TickReport &report, const ExportScope &scope,
                      const ExporterOptions &options, Families &out);

}  // namespace cgw
