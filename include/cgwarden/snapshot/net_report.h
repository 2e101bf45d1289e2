// The network part of `cgwarden snapshot`: per-cgroup traffic and drops, and
// the heartbeat flows, with drop reasons by the kernel's names.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cgwarden/cgroup/tree.h"
#include "cgwarden/model/pass_model.h"
#include "cgwarden/net/drop_reasons.h"
#include "cgwarden/signals/net_signals.h"

namespace cgw {

struct SnapshotReport;

// Reason name ("QDISC_DROP") -> packets.
using NamedDrops = std::map<std::string, uint64_t>;

struct CgroupNetReport {
    uint64_t tx_packets = 0;
    uint64_t tx_bytes = 0;
    uint64_t rx_packets = 0;
    uint64_t rx_bytes = 0;
    NamedDrops drops;
    uint64_t retransmits = 0;
};

struct HeartbeatReport {
    std::string name;
    std::string proto;
    uint16_t port = 0;
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t dropped = 0;
    NamedDrops drops_by_reason;
    uint64_t retransmits = 0;
    double max_gap_s = 0;
};

struct NetReport {
    bool measured = false;  // false: no network sensor ran, cgroups' net is null
    std::vector<HeartbeatReport> heartbeats;
    std::array<uint64_t, CGW_NET_LOST_COUNT> lost_events{};
};

// Gives every cgroup of the report its `net` figures from the model (which
// has network signals) and fills report.net. The model joins them with the
// other figures by relative path, so on hybrid nodes one cgroup stays one
// entry; the trees give the ids of cgroups by path. Without `only`, the
// model's cgroups with traffic but no CPU activity are added.
void add_net_to_report(SnapshotReport &report, const PassModel &model, const DropReasonNames &names,
                       const NetCgroupTree &net_tree, const CpuCgroupTree &cpu_tree,
                       const std::vector<std::string> &only);

// Adds each cgroup's "net" (null when no network sensor ran), "heartbeats"
// and the network's lost events to the snapshot's JSON.
void add_net_json(nlohmann::json &out, const SnapshotReport &report);
// The heartbeat and traffic tables; empty when no network sensor ran.
std::string net_table(const SnapshotReport &report);

}  // namespace cgw
