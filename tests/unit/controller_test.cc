#include "cgwarden/control/controller.h"
#include "controller_run.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

using test::named_class;

using namespace std::chrono_literals;

constexpr size_t kCritical = 0;
constexpr size_t kStandard = 1;
constexpr size_t kBestEffort = 2;

CgroupInput member_of(size_t class_index, std::map<KnobSlot, double> knobs = {}) {
    CgroupInput cg;
    cg.class_index = class_index;
    cg.knobs = std::move(knobs);
    return cg;
}

Policy three_classes() {
    Policy p;
    p.mode = Mode::Enforce;
    p.flap_limit = 3;
    p.flap_window = 5min;
    ClassPolicy critical = named_class("critical", 100);
    critical.slo.cpu_delay_p99 = 5ms;
    ClassPolicy standard = named_class("standard", 50);
    standard.knobs[Knob::CpuWeight] = {
        .floor = 20, .ceiling = 100, .step = 20, .hold_down = 10s, .cooldown = 0s};
    ClassPolicy best_effort = named_class("best-effort", 0);
    best_effort.knobs[Knob::CpuWeight] = {
        .floor = 10, .ceiling = 100, .step = 30, .hold_down = 10s, .cooldown = 0s};
    best_effort.knobs[Knob::CpuMax] = {
        .floor = 0.2, .ceiling = 1.5, .step = 0.5, .hold_down = 10s, .cooldown = 0s};
    p.classes = {critical, standard, best_effort};
    return p;
}

// One interval of a node with a critical agent, a standard web service and a
// best-effort batch job that preempts the agent while `hog` is true.
struct Node {
    double batch_weight = 100;
    double batch_max = kUnlimited;
    double web_weight = 100;
    double busy = 1.0;
    uint64_t agent_waits = 500;

    ControllerInput interval(Duration now, bool hog, double agent_p99_s = 0.020) const {
        ControllerInput in;
        in.now = now;
        in.cpu_busy_fraction = busy;
        in.cpus = 2;
        CgroupInput agent = member_of(kCritical);
        agent.cpu_delay_p99_s = hog ? agent_p99_s : 0.001;
        agent.cpu_waits = agent_waits;
        if (hog)
            agent.cpu_antagonists = {{"/batch", 0.9}, {"/web", 0.05}, {"/", 0.05}};
        in.cgroups["/agent"] = agent;
        in.cgroups["/web"] = member_of(kStandard, {{Knob::CpuWeight, web_weight}});
        in.cgroups["/batch"] =
            member_of(kBestEffort, {{Knob::CpuWeight, batch_weight}, {Knob::CpuMax, batch_max}});
        return in;
    }

    // The actuator's part: the knobs take the decided values.
    void apply(const ControllerOutput &out) {
        for (const Decision &d : out.decisions) {
            if (d.cgroup == "/batch" && d.knob == Knob::CpuWeight)
                batch_weight = d.new_value;
            else if (d.cgroup == "/batch" && d.knob == Knob::CpuMax)
                batch_max = d.new_value;
            else if (d.cgroup == "/web" && d.knob == Knob::CpuWeight)
                web_weight = d.new_value;
        }
    }
};

struct Scenario : test::ControllerRun<Node> {
    Scenario() : ControllerRun(three_classes()) {}
};

TEST(Controller, ABreachStepsTheLowerClassAntagonistDownOneStepPerInterval) {
    Scenario run;
    ControllerOutput out = run.tick(true);
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_EQ(out.breaches[0].cgroup, "/agent");
    ASSERT_EQ(out.decisions.size(), 2u);
    const Decision &weight = out.decisions[0];
    EXPECT_EQ(weight.cgroup, "/batch");
    EXPECT_EQ(weight.knob, Knob::CpuWeight);
    EXPECT_EQ(weight.old_value, 100);
    EXPECT_EQ(weight.new_value, 70);
    EXPECT_EQ(weight.direction, Direction::Down);
    EXPECT_EQ(weight.rule, "slo-breach");
    ASSERT_TRUE(weight.evidence);
    EXPECT_EQ(weight.evidence->victim, "/agent");
    EXPECT_DOUBLE_EQ(weight.evidence->observed, 0.020);
    EXPECT_DOUBLE_EQ(weight.evidence->target, 0.005);
    EXPECT_DOUBLE_EQ(weight.evidence->antagonist_share, 0.9);
    const Decision &max = out.decisions[1];
    EXPECT_EQ(max.knob, Knob::CpuMax);
    EXPECT_EQ(max.new_value, 1.5) << "an unlimited quota first drops to the ceiling";

    out = run.tick(true);
    EXPECT_EQ(run.node.batch_weight, 40);
    EXPECT_EQ(run.node.batch_max, 1.0);
}

TEST(Controller, NeverGoesBelowTheFloor) {
    Scenario run;
    for (int i = 0; i < 20; ++i)
        run.tick(true);
    EXPECT_EQ(run.node.batch_weight, 10);
    EXPECT_DOUBLE_EQ(run.node.batch_max, 0.2);
    EXPECT_TRUE(run.tick(true).decisions.empty()) << "at the floor, nothing more to do";
}

TEST(Controller, NeverTouchesTheVictimOrASmallContributor) {
    Scenario run;
    for (int i = 0; i < 5; ++i) {
        for (const Decision &d : run.tick(true).decisions) {
            EXPECT_NE(d.cgroup, "/agent");
            EXPECT_NE(d.cgroup, "/web") << "5% of the delay is below the evidence threshold";
            EXPECT_NE(d.cgroup, "/") << "unclassified cgroups have no bounds";
        }
    }
}

TEST(Controller, OnlyLowerClassesAreSteppedDown) {
    Scenario run;
    // A standard victim whose only antagonist is the critical agent.
    run.policy.classes[kStandard].slo.cpu_delay_p99 = 5ms;
    run.policy.classes[kCritical].knobs[Knob::CpuWeight] = {.floor = 1, .ceiling = 100, .step = 10};
    ControllerInput in = run.node.interval(1s, false);
    in.cgroups["/web"].cpu_delay_p99_s = 0.050;
    in.cgroups["/web"].cpu_waits = 100;
    in.cgroups["/web"].cpu_antagonists = {{"/agent", 1.0}};
    in.cgroups["/agent"].knobs[Knob::CpuWeight] = 100;
    ControllerOutput out = decide(in, run.policy, {});
    EXPECT_EQ(out.breaches.size(), 1u);
    EXPECT_TRUE(out.decisions.empty()) << "a higher class is never stepped down";
}

TEST(Controller, RecoversAfterHoldDownAndReturnsExactlyToTheOriginal) {
    Scenario run;
    run.node.busy = 0.95;  // no headroom: step up gradually
    run.tick(true);
    run.tick(true);
    ASSERT_EQ(run.node.batch_weight, 40);
    // Healthy, but within 10 s (the hold-down) of the last breach that blamed
    // the batch job: nothing moves.
    for (int i = 0; i < 9; ++i)
        EXPECT_TRUE(run.tick(false).decisions.empty()) << "second " << i;
    ControllerOutput out = run.tick(false);
    ASSERT_FALSE(out.decisions.empty());
    EXPECT_EQ(out.decisions[0].direction, Direction::Up);
    EXPECT_EQ(out.decisions[0].rule, "recovered");
    EXPECT_EQ(run.node.batch_weight, 70);
    run.tick(false);
    EXPECT_EQ(run.node.batch_weight, 100);
    EXPECT_EQ(run.node.batch_max, kUnlimited) << "the original, not the ceiling";
    run.tick(false);
    EXPECT_TRUE(run.state.knobs.empty()) << "knobs back at their originals are forgotten";
}

TEST(Controller, HeadroomRelaxesFullyAtOnce) {
    Scenario run;
    run.tick(true);
    run.tick(true);
    run.node.busy = 0.3;
    for (int i = 0; i < 9; ++i)
        run.tick(false);
    ControllerOutput out = run.tick(false);
    ASSERT_EQ(out.decisions.size(), 2u);
    EXPECT_EQ(out.decisions[0].rule, "headroom");
    EXPECT_EQ(run.node.batch_weight, 100);
    EXPECT_EQ(run.node.batch_max, kUnlimited);
}

TEST(Controller, ABreachDuringHoldDownRestartsIt) {
    Scenario run;
    run.tick(true);
    for (int i = 0; i < 8; ++i)
        run.tick(false);
    run.tick(true);  // breach again: another step down, hold-down restarts
    EXPECT_EQ(run.node.batch_weight, 40);
    for (int i = 0; i < 9; ++i)
        EXPECT_TRUE(run.tick(false).decisions.empty());
    EXPECT_FALSE(run.tick(false).decisions.empty());
}

TEST(Controller, CooldownSpacesMoves) {
    Scenario run;
    run.policy.classes[kBestEffort].knobs[Knob::CpuWeight].cooldown = 3s;
    run.tick(true);
    run.tick(true);
    run.tick(true);
    EXPECT_EQ(run.node.batch_weight, 70) << "two ticks inside the cooldown";
    run.tick(true);
    EXPECT_EQ(run.node.batch_weight, 40);
}

TEST(Controller, AFlappingKnobIsHeldAndReported) {
    Scenario run;
    run.policy.classes[kBestEffort].knobs[Knob::CpuWeight].hold_down = 0s;
    run.policy.classes[kBestEffort].knobs.erase(Knob::CpuMax);
    run.policy.flap_limit = 2;
    run.node.busy = 0.95;
    std::vector<std::string> notices;
    for (int i = 0; i < 8; ++i) {
        auto out = run.tick(i % 2 == 0);  // breach, healthy, breach, ...
        notices.insert(notices.end(), out.notices.begin(), out.notices.end());
    }
    ASSERT_FALSE(notices.empty());
    EXPECT_NE(notices[0].find("reversed direction"), std::string::npos);
    double held_at = run.node.batch_weight;
    for (int i = 0; i < 6; ++i)
        EXPECT_TRUE(run.tick(i % 2 == 0).decisions.empty());
    EXPECT_EQ(run.node.batch_weight, held_at);
}

TEST(Controller, TooFewWaitsAreNotABreach) {
    Scenario run;
    ControllerInput in = run.node.interval(1s, true);
    in.cgroups["/agent"].cpu_waits = kMinWaitsForP99 - 1;
    ControllerOutput out = decide(in, run.policy, {});
    EXPECT_TRUE(out.breaches.empty());
    EXPECT_TRUE(out.decisions.empty());
}

TEST(Controller, AVictimTooStarvedToJudgeKeepsItsAntagonistsBlamed) {
    Scenario run;
    run.node.busy = 0.95;
    run.tick(true);
    ASSERT_EQ(run.node.batch_weight, 70);
    run.node.agent_waits = kMinWaitsForP99 - 1;  // it barely runs: no p99 to judge
    for (int i = 0; i < 20; ++i)
        EXPECT_TRUE(run.tick(false).decisions.empty())
            << "second " << i << ": the hold-down does not start while it cannot be judged";
    EXPECT_TRUE(run.state.victims.at("/agent").breach_since) << "its last verdict stands";
    run.node.agent_waits = 500;  // judged healthy: the hold-down starts now
    for (int i = 0; i < 9; ++i)
        EXPECT_TRUE(run.tick(false).decisions.empty()) << "second " << i;
    EXPECT_EQ(run.tick(false).decisions.size(), 2u) << "both knobs step back up";
}

TEST(Controller, AnUnjudgedVictimCountsAsHealthyAfterAWhile) {
    Scenario run;
    run.node.busy = 0.95;
    run.tick(true);
    run.node.agent_waits = 0;  // gone quiet, maybe for good
    Duration first_up{};
    for (int i = 0; i < 120 && first_up == Duration{}; ++i)
        if (!run.tick(false).decisions.empty())
            first_up = run.now;
    EXPECT_GT(first_up, kUnjudgedLimit) << "blamed until the limit";
    EXPECT_LE(first_up, 1s + kUnjudgedLimit + 10s) << "then the 10 s hold-down";
}

TEST(Controller, MonitorModeReportsBreachesButDecidesNothing) {
    Scenario run;
    run.policy.mode = Mode::Monitor;
    ControllerOutput out = run.tick(true);
    EXPECT_EQ(out.breaches.size(), 1u);
    EXPECT_TRUE(out.decisions.empty());
}

TEST(Controller, SeveralVictimsAndAntagonists) {
    Scenario run;
    run.policy.classes[kStandard].slo.cpu_delay_p99 = 10ms;
    ControllerInput in = run.node.interval(1s, true);
    in.cgroups["/agent"].cpu_antagonists = {{"/batch", 0.5}, {"/web", 0.5}};
    in.cgroups["/web"].cpu_delay_p99_s = 0.050;
    in.cgroups["/web"].cpu_waits = 100;
    in.cgroups["/web"].cpu_antagonists = {{"/batch", 1.0}};
    ControllerOutput out = decide(in, run.policy, {});
    EXPECT_EQ(out.breaches.size(), 2u);
    int batch_weight_moves = 0;
    bool web_moved = false;
    for (const Decision &d : out.decisions) {
        batch_weight_moves += d.cgroup == "/batch" && d.knob == Knob::CpuWeight;
        web_moved |= d.cgroup == "/web";
    }
    EXPECT_EQ(batch_weight_moves, 1) << "one step per knob per interval, however many victims";
    EXPECT_TRUE(web_moved) << "standard is below critical";
}

TEST(Controller, AnExternalChangeIsAdoptedAndLeftAlone) {
    Scenario run;
    run.tick(true);
    run.node.batch_weight = 55;  // an operator set it by hand
    ControllerInput in = run.node.interval(run.now + 1s, true);
    in.changed_externally.insert({"/batch", Knob::CpuWeight});
    ControllerOutput out = decide(in, run.policy, run.state);
    for (const Decision &d : out.decisions)
        EXPECT_FALSE(d.cgroup == "/batch" && d.knob == Knob::CpuWeight);
    ASSERT_FALSE(out.notices.empty());
    EXPECT_EQ(out.state.knobs.at({"/batch", Knob::CpuWeight}).original, 55);
}

TEST(Controller, IsDeterministic) {
    Scenario a;
    Scenario b;
    for (int i = 0; i < 30; ++i) {
        auto out_a = a.tick(i % 7 < 3);
        auto out_b = b.tick(i % 7 < 3);
        ASSERT_EQ(out_a.decisions.size(), out_b.decisions.size());
        for (size_t j = 0; j < out_a.decisions.size(); ++j)
            EXPECT_EQ(out_a.decisions[j].new_value, out_b.decisions[j].new_value);
    }
}

TEST(Controller, AVanishedCgroupIsForgotten) {
    Scenario run;
    run.tick(true);
    ControllerInput in = run.node.interval(run.now + 1s, false);
    in.cgroups.erase("/batch");
    ControllerOutput out = decide(in, run.policy, run.state);
    EXPECT_TRUE(out.state.knobs.empty());
    EXPECT_TRUE(out.decisions.empty());
}

TEST(Controller, AnUnlimitedQuotaUnderAnUnlimitedCeilingStepsFromTheCpuCount) {
    Scenario run;
    run.policy.classes[kBestEffort].knobs[Knob::CpuMax].ceiling = kUnlimited;
    run.tick(true);
    EXPECT_DOUBLE_EQ(run.node.batch_max, 1.5) << "2 CPUs minus one step";
    run.tick(true);
    EXPECT_DOUBLE_EQ(run.node.batch_max, 1.0);
    run.node.busy = 0.95;
    for (int i = 0; i < 9; ++i)
        run.tick(false);
    run.tick(false);
    EXPECT_DOUBLE_EQ(run.node.batch_max, 1.5);
    run.tick(false);
    EXPECT_EQ(run.node.batch_max, kUnlimited) << "back at the CPU count means back to unlimited";
}

TEST(Controller, AQuotaStepsFromWhatTheHogUsedNotFromTheCpuCount) {
    Scenario run;
    run.policy.classes[kBestEffort].knobs[Knob::CpuMax].ceiling = kUnlimited;
    ControllerInput in = run.node.interval(1s, true);
    in.cpus = 64;
    in.cgroups["/batch"].cpu_usage = 1.0;  // a hog pinned to one CPU
    ControllerOutput out = decide(in, run.policy, {});
    ASSERT_EQ(out.decisions.size(), 2u);
    EXPECT_EQ(out.decisions[1].knob, Knob::CpuMax);
    EXPECT_DOUBLE_EQ(out.decisions[1].new_value, 0.5) << "one step below its one CPU";
    EXPECT_DOUBLE_EQ(out.state.knobs.at({"/batch", Knob::CpuMax}).limits_nothing_above, 1.0)
        << "stepping back up to one CPU restores no limit";
}

TEST(Controller, TheRootCgroupIsNeverStepped) {
    Scenario run;
    ControllerInput in = run.node.interval(1s, true);
    in.cgroups["/agent"].cpu_antagonists = {{"/", 1.0}};
    in.cgroups["/"] = member_of(kBestEffort, {{Knob::CpuWeight, 100}});
    EXPECT_TRUE(decide(in, run.policy, {}).decisions.empty());
}

TEST(Controller, ABreachCausedBySomeoneElseDoesNotHoldTheFormerAntagonistDown) {
    Scenario run;
    run.node.busy = 0.95;
    run.tick(true);
    ASSERT_EQ(run.node.batch_weight, 70);
    // The agent keeps breaching, but now only the web service hurts it.
    for (int i = 0; i < 12; ++i) {
        ControllerInput in = run.node.interval(run.now + 1s, true);
        in.cgroups["/agent"].cpu_antagonists = {{"/web", 1.0}};
        run.now += 1s;
        ControllerOutput out = decide(in, run.policy, run.state);
        run.node.apply(out);
        run.state = out.state;
    }
    EXPECT_GT(run.node.batch_weight, 70) << "no longer blamed: it goes back up";
    EXPECT_LT(run.node.web_weight, 100) << "the current antagonist is stepped down";
}

}  // namespace
}  // namespace cgw
