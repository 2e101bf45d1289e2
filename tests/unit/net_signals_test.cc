#include "cgwarden/signals/net_signals.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

HeartbeatFlow flow(const std::string &name, uint16_t port) {
    return {name, "udp", port, std::nullopt, std::nullopt};
}

TEST(NetSignals, WindowDeltasPerCgroupAndFlow) {
    NetCounters before;
    before.read_ns = 1'000'000'000;
    before.by_cgroup[NetCgroupId(7)] = {10, 1000, 5, 500, 1, 2, {{64, 3}}};
    before.by_cgroup[NetCgroupId(9)] = {1, 100, 0, 0, 0, 0, {}};  // no traffic in the window
    before.flows = {{100, 90, 10, 0, {{64, 10}}, 900'000'000, 50'000'000}};
    before.lost[CGW_NET_LOST_RING_FULL] = 2;

    NetCounters after;
    after.read_ns = 3'000'000'000;
    after.by_cgroup[NetCgroupId(7)] = {30, 4000, 6, 600, 3, 9, {{64, 5}, {6, 4}}};
    after.by_cgroup[NetCgroupId(9)] = before.by_cgroup[NetCgroupId(9)];
    after.by_cgroup[NetCgroupId(11)] = {2, 200, 0, 0, 0, 0, {}};  // new in the window
    after.flows = {{150, 120, 30, 2, {{64, 25}, {12, 5}}, 2'900'000'000, 400'000'000}};
    after.lost[CGW_NET_LOST_RING_FULL] = 5;

    NetSignals s = compute_net_signals(before, after, {flow("hb", 9000)});
    EXPECT_DOUBLE_EQ(s.window_s, 2.0);
    ASSERT_EQ(s.by_cgroup.size(), 2u) << "cgroups idle in the window are left out";
    const CgroupNetSignals &c = s.by_cgroup.at(NetCgroupId(7));
    EXPECT_EQ(c.tx_packets, 20u);
    EXPECT_EQ(c.tx_bytes, 3000u);
    EXPECT_EQ(c.rx_packets, 1u);
    EXPECT_EQ(c.rx_bytes, 100u);
    EXPECT_EQ(c.retransmits, 2u);
    EXPECT_EQ(c.tx_queue_drops, 7u);
    EXPECT_EQ(c.drops, (DropsByReason{{64, 2}, {6, 4}}));
    EXPECT_EQ(s.by_cgroup.at(NetCgroupId(11)).tx_bytes, 200u);

    ASSERT_EQ(s.heartbeats.size(), 1u);
    const HeartbeatSignals &h = s.heartbeats[0];
    EXPECT_EQ(h.flow.name, "hb");
    EXPECT_EQ(h.sent, 50u);
    EXPECT_EQ(h.received, 30u);
    EXPECT_EQ(h.dropped, 20u);
    EXPECT_EQ(h.retransmits, 2u);
    EXPECT_EQ(h.drops, (DropsByReason{{64, 15}, {12, 5}}));
    EXPECT_DOUBLE_EQ(h.max_gap_s, 0.4) << "the window's longest gap, read from the kernel";
    EXPECT_EQ(s.lost[CGW_NET_LOST_RING_FULL], 3u);
}

TEST(NetSignals, AStoppedSenderShowsTheGapSinceItsLastSend) {
    NetCounters before;
    before.read_ns = 1'000'000'000;
    before.flows = {{10, 10, 0, 0, {}, 900'000'000, 100'000'000}, {}};
    NetCounters after = before;
    after.read_ns = 6'000'000'000;
    after.flows[0].window_max_gap_ns = 0;  // no send at all in the window

    NetSignals s = compute_net_signals(before, after, {flow("stopped", 1), flow("never", 2)});
    EXPECT_DOUBLE_EQ(s.heartbeats[0].max_gap_s, 5.1);
    EXPECT_EQ(s.heartbeats[0].sent, 0u);
    EXPECT_DOUBLE_EQ(s.heartbeats[1].max_gap_s, 0.0) << "a flow never sent has no gap";
}

TEST(NetSignals, ARestartedCounterIsTakenWhole) {
    NetCounters before;
    before.by_cgroup[NetCgroupId(7)] = {100, 10000, 0, 0, 0, 0, {{64, 50}}};
    NetCounters after;
    after.by_cgroup[NetCgroupId(7)] = {3, 300, 0, 0, 0, 0, {{64, 2}}};  // id reused by a new cgroup
    NetSignals s = compute_net_signals(before, after, {});
    EXPECT_EQ(s.by_cgroup.at(NetCgroupId(7)).tx_packets, 3u);
    EXPECT_EQ(s.by_cgroup.at(NetCgroupId(7)).drops.at(64), 2u);
}

}  // namespace
}  // namespace cgw
