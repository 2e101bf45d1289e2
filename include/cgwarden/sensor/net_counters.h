// Raw cumulative network counters read from the kernel maps: by cgroup2 id
// and by heartbeat flow.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include <linux/bpf.h>  // struct bpf_spin_lock, which net_abi.h uses

#include "cgwarden/cgroup/cgroup_id.h"
#include "cgwarden/net_abi.h"

namespace cgw {

// Kernel drop reason (enum skb_drop_reason value) -> packets.
using DropsByReason = std::map<uint32_t, uint64_t>;

struct CgroupNetCounters {
    uint64_t tx_packets = 0;
    uint64_t tx_bytes = 0;  // IP packet length, headers included
    uint64_t rx_packets = 0;
    uint64_t rx_bytes = 0;
    uint64_t retransmits = 0;
    uint64_t tx_queue_drops = 0;  // of tx_packets, dropped in a queueing discipline
    DropsByReason drops;          // where the packet's socket names the cgroup
};

struct FlowCounters {
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t dropped = 0;
    uint64_t retransmits = 0;
    DropsByReason drops;
    uint64_t last_send_ns = 0;       // CLOCK_MONOTONIC of the latest send; 0: never sent
    uint64_t window_max_gap_ns = 0;  // longest gap between two sends since the previous read
};

struct NetCounters {
    uint64_t read_ns = 0;  // CLOCK_MONOTONIC when the maps were read
    std::map<NetCgroupId, CgroupNetCounters> by_cgroup;
    std::vector<FlowCounters> flows;  // same order as NetSensor::flows()
    std::array<uint64_t, CGW_NET_LOST_COUNT> lost{};
};

// A notable event, delivered within milliseconds through the ring buffer.
struct NetEvent {
    enum class Kind { Drop, Gap };
    Kind kind = Kind::Drop;
    uint32_t flow_index = 0;  // into NetSensor::flows()
    uint64_t time_ns = 0;     // CLOCK_MONOTONIC
    NetCgroupId cgroup_id;    // sender (gap), socket's cgroup (drop; 0 when unknown)
    uint32_t reason = 0;      // Drop: enum skb_drop_reason value
    uint64_t gap_ns = 0;      // Gap
};

}  // namespace cgw
