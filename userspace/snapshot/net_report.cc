#include <set>

#include "cgwarden/snapshot/report.h"

namespace cgw {

namespace {

NamedDrops named(const DropsByReason &drops, const DropReasonNames &names) {
    NamedDrops out;
    for (const auto &[reason, n] : drops)
        out[names.name(reason)] += n;
    return out;
}

CgroupNetReport cgroup_report(const CgroupNetSignals &s, const DropReasonNames &names) {
    return {s.tx_packets,          s.tx_bytes,   s.rx_packets, s.rx_bytes,
            named(s.drops, names), s.retransmits};
}

HeartbeatReport heartbeat_report(const HeartbeatSignals &h, const DropReasonNames &names) {
    return {h.flow.name, h.flow.proto,          h.flow.port,   h.sent,     h.received,
            h.dropped,   named(h.drops, names), h.retransmits, h.max_gap_s};
}

nlohmann::json cgroup_json(const CgroupNetReport &n) {
    return {{"tx_packets", n.tx_packets}, {"tx_bytes", n.tx_bytes}, {"rx_packets", n.rx_packets},
            {"rx_bytes", n.rx_bytes},     {"drops", n.drops},       {"retransmits", n.retransmits}};
}

nlohmann::json heartbeat_json(const HeartbeatReport &h) {
    return {{"name", h.name},
            {"proto", h.proto},
            {"port", h.port},
            {"sent", h.sent},
            {"received", h.received},
            {"dropped", h.dropped},
            {"drops_by_reason", h.drops_by_reason},
            {"retransmits", h.retransmits},
            {"max_gap_s", h.max_gap_s}};
}

}  // namespace

void add_net_to_report(SnapshotReport &report, const PassModel &model, const DropReasonNames &names,
                       const NetCgroupTree &net_tree, const CpuCgroupTree &cpu_tree,
                       const std::vector<std::string> &only) {
    static const NetSignals kNone;
    const NetSignals &net = model.signals().net ? *model.signals().net : kNone;
    report.net.measured = true;
    report.net.lost_events = net.lost;
    for (const HeartbeatSignals &h : net.heartbeats)
        report.net.heartbeats.push_back(heartbeat_report(h, names));

    static const CgroupNetSignals kIdle;
    std::set<std::string> in_report;
    for (CgroupReport &c : report.cgroups) {
        auto id = net_tree.id_of(c.path);
        auto it = id ? net.by_cgroup.find(*id) : net.by_cgroup.end();
        c.net = cgroup_report(it == net.by_cgroup.end() ? kIdle : it->second, names);
        in_report.insert(c.path);
    }
    if (!only.empty())
        return;
    for (const auto &[path, m] : model.cgroups()) {
        if (!m.net || in_report.contains(path))
            continue;
        CgroupReport r;
        r.path = path;
        // The id of the hierarchy holding the cpu controller, as for the
        // other entries, when the cgroup exists there too.
        r.id = cpu_tree.id_of(path).value_or(CpuCgroupId{});
        r.net = cgroup_report(*m.net, names);
        report.cgroups.push_back(std::move(r));
    }
}

void add_net_json(nlohmann::json &out, const SnapshotReport &report) {
    auto &cgroups = out["cgroups"];
    for (size_t i = 0; i < report.cgroups.size() && i < cgroups.size(); ++i) {
        const auto &net = report.cgroups[i].net;
        cgroups[i]["net"] = net ? cgroup_json(*net) : nlohmann::json(nullptr);
    }
    nlohmann::json heartbeats = nlohmann::json::array();
    for (const HeartbeatReport &h : report.net.heartbeats)
        heartbeats.push_back(heartbeat_json(h));
    out["heartbeats"] = heartbeats;
    const auto &lost = report.net.lost_events;
    auto &lost_json = out["lost_events"];
    lost_json["net_ring_full"] = lost[CGW_NET_LOST_RING_FULL];
    lost_json["net_events_rate_limited"] = lost[CGW_NET_LOST_RATE_LIMITED];
    lost_json["net_cgroup_map_full"] = lost[CGW_NET_LOST_CGROUP_FULL];
    lost_json["net_drops_map_full"] = lost[CGW_NET_LOST_DROPS_FULL];
}

}  // namespace cgw
