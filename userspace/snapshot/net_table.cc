#include <fmt/format.h>

#include <algorithm>

#include "cgwarden/snapshot/report.h"

namespace cgw {

namespace {

// "QDISC_DROP 12, SOCKET_RCVBUFF 3", most first.
std::string top_reasons(const NamedDrops &drops) {
    if (drops.empty())
        return "-";
    std::vector<std::pair<std::string, uint64_t>> sorted(drops.begin(), drops.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto &a, const auto &b) { return a.second > b.second; });
    std::string out;
    for (const auto &[reason, n] : sorted)
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", reason, n);
    return out;
}

std::string heartbeat_rows(const std::vector<HeartbeatReport> &heartbeats) {
    if (heartbeats.empty())
        return {};
    std::string out =
        fmt::format("\n{:<16} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9}  {}\n", "HEARTBEAT", "FLOW",
                    "SENT", "RECEIVED", "DROPPED", "RETRANS", "MAX GAP", "DROP REASONS");
    for (const HeartbeatReport &h : heartbeats)
        out += fmt::format("{:<16} {:>9} {:>8} {:>8} {:>8} {:>7} {:>8.3f}s  {}\n", h.name,
                           fmt::format("{}:{}", h.proto, h.port), h.sent, h.received, h.dropped,
                           h.retransmits, h.max_gap_s, top_reasons(h.drops_by_reason));
    return out;
}

}  // namespace

std::string net_table(const SnapshotReport &report) {
    if (!report.net.measured)
        return {};
    std::string out = heartbeat_rows(report.net.heartbeats);
    std::vector<const CgroupReport *> rows;
    size_t width = 6;
    for (const CgroupReport &c : report.cgroups) {
        if (c.net && (c.net->tx_packets || c.net->rx_packets || !c.net->drops.empty())) {
            rows.push_back(&c);
            width = std::max(width, c.path.size());
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const CgroupReport *a, const CgroupReport *b) {
        return a->net->tx_bytes > b->net->tx_bytes;
    });
    if (rows.empty())
        return out;
    out += fmt::format("\n{:<{}}  {:>10} {:>12} {:>10} {:>12} {:>7}  {}\n", "CGROUP", width,
                       "TX PKTS", "TX BYTES", "RX PKTS", "RX BYTES", "RETRANS", "DROPS");
    for (const CgroupReport *c : rows) {
        const CgroupNetReport &n = *c->net;
        out += fmt::format("{:<{}}  {:>10} {:>12} {:>10} {:>12} {:>7}  {}\n", c->path, width,
                           n.tx_packets, n.tx_bytes, n.rx_packets, n.rx_bytes, n.retransmits,
                           top_reasons(n.drops));
    }
    return out;
}

}  // namespace cgw
