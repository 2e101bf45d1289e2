// The decision step on heartbeat evidence: drops in a queueing discipline
// turn the egress rate of the lower-class cgroups that fill the queues down;
// a long gap means the sender did not run, so whoever held its CPU gives way;
// drops elsewhere name no antagonist on this node.
#include <gtest/gtest.h>

#include "cgwarden/control/controller.h"
#include "controller_run.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;

constexpr double kMB = 1e6;

Policy heartbeat_policy() {
    Policy p;
    p.mode = Mode::Enforce;
    ClassPolicy agent = test::named_class("agent", 100);
    agent.slo.heartbeat_drops = 0;
    agent.slo.heartbeat_gap = 3s;
    ClassPolicy web = test::named_class("web", 100);
    web.knobs[Knob::NetEgressRate] = {.floor = 1 * kMB, .ceiling = kUnlimited, .step = 20 * kMB};
    ClassPolicy bulk = test::named_class("bulk", 0);
    bulk.knobs[Knob::NetEgressRate] = {.floor = 1 * kMB, .ceiling = kUnlimited, .step = 20 * kMB};
    bulk.knobs[Knob::CpuWeight] = {.floor = 10, .ceiling = 100, .step = 30};
    p.classes = {agent, web, bulk};
    return p;
}

ControllerInput node(uint64_t dropped, uint64_t qdisc_drops, double max_gap_s = 1) {
    ControllerInput in;
    in.now = 10s;
    in.cpus = 2;
    in.cpu_busy_fraction = 1;
    in.cgroups["/agent"].class_index = 0;
    in.cgroups["/agent"].tx_bytes_per_s = 0.001 * kMB;
    in.cgroups["/web"].class_index = 1;
    in.cgroups["/web"].tx_bytes_per_s = 30 * kMB;
    in.cgroups["/web"].tx_passed_bytes_per_s = 30 * kMB;
    in.cgroups["/web"].knobs = {{Knob::NetEgressRate, kUnlimited}};
    in.cgroups["/bulk"].class_index = 2;
    in.cgroups["/bulk"].tx_bytes_per_s = 90 * kMB;
    in.cgroups["/bulk"].tx_passed_bytes_per_s = 90 * kMB;
    in.cgroups["/bulk"].knobs = {{Knob::NetEgressRate, kUnlimited}, {Knob::CpuWeight, 100}};
    in.heartbeats = {{"kubelet", "/agent", 50, dropped, qdisc_drops, max_gap_s}};
    return in;
}

// An unlimited egress rate steps from what a whole interval measured: the
// first interval of a breach only names the antagonist.
ControllerOutput decide_second_interval(ControllerInput in) {
    ControllerOutput first = decide(in, heartbeat_policy(), {});
    EXPECT_TRUE(first.decisions.empty());
    in.now += 1s;
    return decide(in, heartbeat_policy(), first.state);
}

TEST(ControllerHeartbeat, QdiscDropsTurnTheBulkSendersEgressRateDown) {
    ControllerOutput out = decide_second_interval(node(4, 4));
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_EQ(out.breaches[0].slo, "heartbeat_drops");
    EXPECT_EQ(out.breaches[0].flow, "kubelet");
    EXPECT_EQ(out.breaches[0].observed, 4);
    ASSERT_EQ(out.decisions.size(), 1u) << "the web service is of the same class: left alone";
    const Decision &d = out.decisions[0];
    EXPECT_EQ(d.cgroup, "/bulk");
    EXPECT_EQ(d.knob, Knob::NetEgressRate);
    EXPECT_DOUBLE_EQ(d.new_value, 70 * kMB) << "from what it sent, one step down";
    ASSERT_TRUE(d.evidence);
    EXPECT_EQ(d.evidence->flow, "kubelet");
    EXPECT_NEAR(d.evidence->antagonist_share, 0.75, 0.001) << "of the bytes sent";
}

// A UDP flood into a full queue offers far more than the link carries (the
// kernel drops the rest, and sendto does not even fail): a step from what it
// offered would limit nothing for hours. The share of blame is by what it
// offered (it is what fills the queue), the step from what got through.
TEST(ControllerHeartbeat, AFloodStepsDownFromWhatTheLinkCarriedNotWhatItOffered) {
    ControllerInput in = node(4, 4);
    in.cgroups["/bulk"].tx_bytes_per_s = 900 * kMB;
    in.cgroups["/bulk"].tx_passed_bytes_per_s = 50 * kMB;
    ControllerOutput out = decide_second_interval(in);
    ASSERT_EQ(out.decisions.size(), 1u);
    const Decision &d = out.decisions[0];
    EXPECT_EQ(d.cgroup, "/bulk");
    EXPECT_DOUBLE_EQ(d.new_value, 30 * kMB);
    EXPECT_NEAR(d.evidence->antagonist_share, 900.0 / 930.001, 0.001);
}

TEST(ControllerHeartbeat, DropsOutsideAQueueingDisciplineNameNoAntagonist) {
    ControllerOutput out = decide(node(4, 0), heartbeat_policy(), {});
    ASSERT_EQ(out.breaches.size(), 1u) << "a breach all the same";
    EXPECT_TRUE(out.decisions.empty()) << "a full receive buffer is not the senders' doing";
    EXPECT_TRUE(decide(node(0, 0), heartbeat_policy(), {}).breaches.empty());
}

TEST(ControllerHeartbeat, AGapStepsDownWhoeverHeldTheSendersCpu) {
    ControllerInput in = node(0, 0, 5.0);
    in.cgroups["/agent"].cpu_antagonists = {{"/bulk", 2.0}};
    ControllerOutput out = decide(in, heartbeat_policy(), {});
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_EQ(out.breaches[0].slo, "heartbeat_gap");
    EXPECT_DOUBLE_EQ(out.breaches[0].observed, 5.0);
    ASSERT_EQ(out.decisions.size(), 1u);
    EXPECT_EQ(out.decisions[0].cgroup, "/bulk");
    EXPECT_EQ(out.decisions[0].knob, Knob::CpuWeight);
}

}  // namespace
}  // namespace cgw
