#include "cgwarden/exporter/net_families.h"

#include <chrono>

namespace cgw {

namespace {

using prometheus::MetricType;

void add_cgroups(const NetCounters &net, const std::map<NetCgroupId, std::string> &paths,
                 const ExportScope &scope, const DropReasonNames &reasons, Families &out) {
    FamilyBuilder tx_bytes("cgwarden_net_tx_bytes_total",
                           "IP bytes (headers included) sent by the cgroup's sockets "
                           "(BPF, cgroup_skb/egress).",
                           MetricType::Counter);
    FamilyBuilder rx_bytes("cgwarden_net_rx_bytes_total",
                           "IP bytes (headers included) received by the cgroup's sockets "
                           "(BPF, cgroup_skb/ingress).",
                           MetricType::Counter);
    FamilyBuilder tx_packets("cgwarden_net_tx_packets_total",
                             "IP packets sent by the cgroup's sockets.", MetricType::Counter);
    FamilyBuilder rx_packets("cgwarden_net_rx_packets_total",
                             "IP packets received by the cgroup's sockets.", MetricType::Counter);
    FamilyBuilder drops("cgwarden_net_drops_total",
                        "Packets of the cgroup's sockets the kernel dropped, by the kernel's "
                        "drop reason (skb:kfree_skb; enum skb_drop_reason without its prefix).",
                        MetricType::Counter);
    FamilyBuilder retransmits("cgwarden_tcp_retransmits_total",
                              "TCP retransmissions by the cgroup's sockets, one per "
                              "retransmitted skb (tcp:tcp_retransmit_skb).",
                              MetricType::Counter);
    for (const auto &[id, c] : net.by_cgroup) {
        const ScopedCgroup *cg = scope.find(paths, id);
        if (!cg)
            continue;
        tx_bytes.add(cg->labels, static_cast<double>(c.tx_bytes));
        rx_bytes.add(cg->labels, static_cast<double>(c.rx_bytes));
        tx_packets.add(cg->labels, static_cast<double>(c.tx_packets));
        rx_packets.add(cg->labels, static_cast<double>(c.rx_packets));
        retransmits.add(cg->labels, static_cast<double>(c.retransmits));
        for (const auto &[reason, packets] : c.drops)
            drops.add(with(cg->labels, "reason", reasons.name(reason)),
                      static_cast<double>(packets));
    }
    for (FamilyBuilder *f : {&tx_bytes, &rx_bytes, &tx_packets, &rx_packets, &drops, &retransmits})
        out.push_back(std::move(*f).take());
}

// Flows are not cgroups: every declared flow has series, whatever the scope.
void add_heartbeats(const NetCounters &net, const NetSignals &window,
                    const DropReasonNames &reasons, Families &out) {
    FamilyBuilder packets("cgwarden_heartbeat_packets_total",
                          "Packets of the declared heartbeat flow: sent (cgroup_skb/egress) and "
                          "received (handed to the receiving socket, cgroup_skb/ingress).",
                          MetricType::Counter);
    FamilyBuilder drops("cgwarden_heartbeat_drops_total",
                        "Packets of the heartbeat flow the kernel dropped, by drop reason.",
                        MetricType::Counter);
    FamilyBuilder retransmits("cgwarden_heartbeat_retransmits_total",
                              "TCP retransmissions of the heartbeat flow.", MetricType::Counter);
    FamilyBuilder gap("cgwarden_heartbeat_max_gap_seconds",
                      "Longest time between two sends of the heartbeat flow in the last "
                      "interval, or since its last send when longer (a sender that stopped).",
                      MetricType::Gauge);
    FamilyBuilder interval("cgwarden_heartbeat_interval_seconds",
                           "The heartbeat flow's declared send interval (flows declared "
                           "with one), for alerts on cgwarden_heartbeat_max_gap_seconds.",
                           MetricType::Gauge);
    // window.heartbeats and net.flows are both in the order of the sensor's flows.
    for (size_t i = 0; i < window.heartbeats.size() && i < net.flows.size(); ++i) {
        const HeartbeatSignals &hb = window.heartbeats[i];
        const FlowCounters &c = net.flows[i];
        Labels flow{{"flow", hb.flow.name}};
        packets.add(with(flow, "direction", "sent"), static_cast<double>(c.sent));
        packets.add(with(flow, "direction", "received"), static_cast<double>(c.received));
        for (const auto &[reason, n] : c.drops)
            drops.add(with(flow, "reason", reasons.name(reason)), static_cast<double>(n));
        retransmits.add(flow, static_cast<double>(c.retransmits));
        gap.add(flow, hb.max_gap_s);
        if (hb.flow.interval)
            interval.add(flow, std::chrono::duration<double>(*hb.flow.interval).count());
    }
    for (FamilyBuilder *f : {&packets, &drops, &retransmits, &gap, &interval})
        out.push_back(std::move(*f).take());
}

}  // namespace

void add_net_families(const TickReport &report, const ExportScope &scope,
                      const DropReasonNames &reasons, Families &out) {
    static const NetCounters kNone;
    static const NetSignals kNoWindow;
    static const std::map<NetCgroupId, std::string> kNoPaths;
    // Before the second pass, or without the network sensor, the families are
    // there and empty.
    const NetSignals *window = report.model.signals().net ? &*report.model.signals().net : nullptr;
    const auto *paths = report.model.paths().net;
    bool measured = report.sample.net && window && paths;
    add_cgroups(measured ? *report.sample.net : kNone, measured ? *paths : kNoPaths, scope, reasons,
                out);
    add_heartbeats(measured ? *report.sample.net : kNone, measured ? *window : kNoWindow, reasons,
                   out);
}

}  // namespace cgw
