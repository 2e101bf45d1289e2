// Block IO families: device and queue latency histograms, bytes and requests,
// per cgroup in scope, device (MAJ:MIN, as io.max names it) and op.
#pragma once

#include "cgwarden/exporter/family_builder.h"

namespace cgw {

// Cumulative counters of the IO sensor. Its ids are of the blkio hierarchy on
// hybrid nodes: joined with the scope by relative path. No series while the
// IO sensor does not run.
void add_io_families(const TickReport &report, const ExportScope &scope, Families &out);

}  // namespace cgw
