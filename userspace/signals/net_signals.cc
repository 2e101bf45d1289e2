#include "cgwarden/signals/net_signals.h"

#include <algorithm>

namespace cgw {

namespace {

// A counter that went back belongs to a restarted entry (cgroup id reused):
// the newer value is the whole window.
uint64_t delta(uint64_t newer, uint64_t older) {
    return newer >= older ? newer - older : newer;
}

DropsByReason drops_delta(const DropsByReason &now, const DropsByReason *then) {
    DropsByReason out;
    for (const auto &[reason, n] : now) {
        uint64_t old = 0;
        if (then) {
            if (auto it = then->find(reason); it != then->end())
                old = it->second;
        }
        if (uint64_t d = delta(n, old))
            out[reason] = d;
    }
    return out;
}

}  // namespace

NetSignals compute_net_signals(const NetCounters &before, const NetCounters &after,
                               const std::vector<HeartbeatFlow> &flows) {
    NetSignals out;
    out.window_s = static_cast<double>(after.read_ns - before.read_ns) / 1e9;
    for (const auto &[id, now] : after.by_cgroup) {
        static const CgroupNetCounters kNone;
        auto it = before.by_cgroup.find(id);
        const CgroupNetCounters &old = it == before.by_cgroup.end() ? kNone : it->second;
        CgroupNetSignals s;
        s.tx_packets = delta(now.tx_packets, old.tx_packets);
        s.tx_bytes = delta(now.tx_bytes, old.tx_bytes);
        s.rx_packets = delta(now.rx_packets, old.rx_packets);
        s.rx_bytes = delta(now.rx_bytes, old.rx_bytes);
        s.retransmits = delta(now.retransmits, old.retransmits);
        s.tx_queue_drops = delta(now.tx_queue_drops, old.tx_queue_drops);
        s.drops = drops_delta(now.drops, it == before.by_cgroup.end() ? nullptr : &old.drops);
        if (s.active())
            out.by_cgroup[id] = std::move(s);
    }
    for (size_t i = 0; i < flows.size() && i < after.flows.size(); ++i) {
        static const FlowCounters kNone;
        const FlowCounters &now = after.flows[i];
        const FlowCounters &old = i < before.flows.size() ? before.flows[i] : kNone;
        HeartbeatSignals h;
        h.flow = flows[i];
        h.sent = delta(now.sent, old.sent);
        h.received = delta(now.received, old.received);
        h.dropped = delta(now.dropped, old.dropped);
        h.retransmits = delta(now.retransmits, old.retransmits);
        h.drops = drops_delta(now.drops, &old.drops);
        uint64_t gap_ns = now.window_max_gap_ns;
        if (now.last_send_ns && after.read_ns > now.last_send_ns)
            gap_ns = std::max(gap_ns, after.read_ns - now.last_send_ns);
        h.max_gap_s = static_cast<double>(gap_ns) / 1e9;
        out.heartbeats.push_back(std::move(h));
    }
    for (size_t i = 0; i < out.lost.size(); ++i)
        out.lost[i] = delta(after.lost[i], before.lost[i]);
    return out;
}

}  // namespace cgw
