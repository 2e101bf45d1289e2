// Network signals over a window: the difference of two readings of the
// network maps. Pure functions of the two readings.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "cgwarden/policy/policy.h"
#include "cgwarden/sensor/net_counters.h"

namespace cgw {

struct CgroupNetSignals {
    uint64_t tx_packets = 0;
    uint64_t tx_bytes = 0;
    uint64_t rx_packets = 0;
    uint64_t rx_bytes = 0;
    uint64_t retransmits = 0;
    // Of tx_packets, dropped in a queueing discipline: read with them, so
    // tx_packets - tx_queue_drops is what the links took.
    uint64_t tx_queue_drops = 0;
    DropsByReason drops;  // reasons with drops in the window only

    bool active() const {
        return tx_packets > 0 || rx_packets > 0 || retransmits > 0 || !drops.empty();
    }
};

struct HeartbeatSignals {
    HeartbeatFlow flow;
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t dropped = 0;
    uint64_t retransmits = 0;
    DropsByReason drops;
    // Longest gap between two sends in the window, or the time since the last
    // send when that is longer (a sender that stopped); 0 when never sent.
    double max_gap_s = 0;
};

struct NetSignals {
    double window_s = 0;
    std::map<NetCgroupId, CgroupNetSignals> by_cgroup;
    std::vector<HeartbeatSignals> heartbeats;  // in the order of `flows`
    std::array<uint64_t, CGW_NET_LOST_COUNT> lost{};
};

// `flows` are the flows the counters were read for (NetSensor::flows()).
NetSignals compute_net_signals(const NetCounters &before, const NetCounters &after,
                               const std::vector<HeartbeatFlow> &flows);

}  // namespace cgw
