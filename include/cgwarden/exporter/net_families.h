// Network families: traffic, drops by reason and TCP retransmits per cgroup in
// scope; and the declared heartbeat flows: packets, drops, retransmits, the
// longest gap between sends.
#pragma once

#include "cgwarden/exporter/family_builder.h"
#include "cgwarden/net/drop_reasons.h"

namespace cgw {

// Cumulative counters of the network sensor (cgroup2 ids, joined with the
// scope by relative path); the gap is the last interval's. Drop reasons carry
// the kernel's names. No series while the network sensor does not run.
void add_net_families(const TickReport &report, const ExportScope &scope,
                      const DropReasonNames &reasons, Families &out);

}  // namespace cgw
