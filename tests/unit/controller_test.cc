#include "cgwarden/control/controller.h"
#include "controller_run.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

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
// best-effort batch job that preempts the agent while `hog` is true. The
// agent's p99 follows the batch job's weight (20 ms at 100, 14 ms at 70, 8
// ms at 40, 2 ms at 10: within the 5 ms SLO from 25 down) and drops to
// 0.05 ms under cpu.idle; its quota changes nothing, as on a real kernel.
// cpu.idle behaves as the kernel and the codec make it: the weight reads
// its minimum while it is set and what it was before once it is cleared.
struct Node {
    double batch_weight = 100;
    double batch_idle = 0;
    double batch_max = kUnlimited;
    double web_weight = 100;
    double busy = 1.0;
    uint64_t agent_waits = 500;
    double batch_usage = 1.5;  // CPUs, while it runs
    bool quota_helps = false;

    double batch_weight_read() const { return batch_idle == 1 ? 3 * 100.0 / 1024 : batch_weight; }

    double agent_p99(bool hog) const {
        if (!hog)
            return 0.001;
        double quota = quota_helps ? std::min(1.0, batch_max / 2) : 1;
        return batch_idle == 1 ? 0.00005 : 0.020 * batch_weight / 100 * quota;
    }

    ControllerInput interval(Duration now, bool hog) const {
        ControllerInput in;
        in.now = now;
        in.cpu_busy_fraction = busy;
        in.cpus = 2;
        CgroupInput agent = member_of(kCritical);
        agent.cpu_delay_p99_s = agent_p99(hog);
        agent.cpu_waits = agent_waits;
        if (hog)
            agent.cpu_antagonists = {{"/batch", 0.9}, {"/web", 0.05}, {"/", 0.05}};
        in.cgroups["/agent"] = agent;
        in.cgroups["/web"] = member_of(kStandard, {{Knob::CpuWeight, web_weight}});
        in.cgroups["/batch"] = member_of(kBestEffort, {{Knob::CpuWeight, batch_weight_read()},
                                                       {Knob::CpuIdle, batch_idle},
                                                       {Knob::CpuMax, batch_max}});
        in.cgroups["/batch"].cpu_usage = hog ? batch_usage : 0;
        return in;
    }

    // The actuator's part: the knobs take the decided values.
    void apply(const ControllerOutput &out) {
        for (const Decision &d : out.decisions) {
            if (d.cgroup == "/batch" && d.knob == Knob::CpuWeight)
                batch_weight = d.new_value;
            else if (d.cgroup == "/batch" && d.knob == Knob::CpuIdle)
                batch_idle = d.new_value;  // cleared, the weight it had comes back
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

std::vector<std::string> rules_of(const ControllerOutput &out) {
    std::vector<std::string> rules;
    for (const Decision &d : out.decisions)
        rules.push_back(std::string(to_string(d.knob)) + " " + d.rule);
    return rules;
}

TEST(Controller, ABreachStepsTheFirstRungOfTheAntagonistsLadder) {
    Scenario run;
    ControllerOutput out = run.tick(true);
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_EQ(out.breaches[0].cgroup, "/agent");
    EXPECT_TRUE(out.breaches[0].own_cause.empty());
    ASSERT_EQ(out.decisions.size(), 1u) << "the weight first; the quota is the last resort";
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

    run.tick(true);
    EXPECT_EQ(run.node.batch_weight, 40);
    EXPECT_EQ(run.node.batch_max, kUnlimited);
}

TEST(Controller, StopsWhereTheVictimIsHealthyAndSaysTheStepsHelped) {
    Scenario run;
    for (int i = 0; i < 3; ++i)
        run.tick(true);
    EXPECT_EQ(run.node.batch_weight, 10) << "8 ms at 40 still breaches";
    ControllerOutput out = run.tick(true);
    EXPECT_TRUE(out.breaches.empty());
    EXPECT_TRUE(out.decisions.empty());
    ASSERT_EQ(out.effects.size(), 1u);
    EXPECT_NE(out.effects[0].find("/batch cpu_weight helped /agent"), std::string::npos)
        << out.effects[0];
    EXPECT_EQ(run.state.knobs.at({"/batch", Knob::CpuWeight}).held_at, 10);
    EXPECT_EQ(run.state.knobs.at({"/batch", Knob::CpuWeight}).breached_at, 40);
}

TEST(Controller, AQuotaThatDoesNotHelpIsUndoneAndNeverGoesBelowTheFloor) {
    Scenario run;
    run.policy.classes[kCritical].slo.cpu_delay_p99 = 100us;  // out of the weight's reach
    std::vector<std::string> notices;
    for (int i = 0; i < 12; ++i) {
        auto out = run.tick(true);
        notices.insert(notices.end(), out.notices.begin(), out.notices.end());
        EXPECT_GE(run.node.batch_weight, 10);
        EXPECT_GE(run.node.batch_max, 0.2);
    }
    EXPECT_EQ(run.node.batch_weight, 10) << "it helped: kept at its floor";
    EXPECT_EQ(run.node.batch_max, kUnlimited) << "it did not: undone";
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("/batch cpu_max did not help /agent"), std::string::npos)
        << notices[0];
    EXPECT_NE(notices[0].find("cannot be protected from it"), std::string::npos) << notices[0];
    EXPECT_TRUE(run.state.ineffective.count({"/agent", {"/batch", Knob::CpuMax}}));
    EXPECT_TRUE(run.tick(true).decisions.empty()) << "nothing left that helps";
}

TEST(Controller, CpuIdleIsTheRungAfterTheWeight) {
    Scenario run;
    run.policy.classes[kCritical].slo.cpu_delay_p99 = 1ms;  // 2 ms at the weight's floor
    run.policy.classes[kBestEffort].knobs[Knob::CpuIdle] = {
        .floor = 0, .ceiling = 1, .step = 1, .hold_down = 10s, .cooldown = 0s};
    for (int i = 0; i < 3; ++i)
        run.tick(true);
    ASSERT_EQ(run.node.batch_weight, 10);
    EXPECT_TRUE(run.tick(true).decisions.empty())
        << "one interval of breach at the weight's floor is not yet reason for more";
    ControllerOutput out = run.tick(true);
    ASSERT_EQ(out.decisions.size(), 1u);
    EXPECT_EQ(out.decisions[0].knob, Knob::CpuIdle);
    EXPECT_EQ(out.decisions[0].old_value, 0);
    EXPECT_EQ(out.decisions[0].new_value, 1);
    EXPECT_EQ(out.decisions[0].direction, Direction::Down);
    out = run.tick(true);
    EXPECT_TRUE(out.breaches.empty());
    EXPECT_TRUE(out.decisions.empty()) << "the weight is the kernel's while idle: left alone";
    for (int i = 0; i < 30; ++i)
        EXPECT_TRUE(run.tick(true).decisions.empty()) << "settled: idle is one step";
    EXPECT_EQ(run.node.batch_max, kUnlimited) << "the quota was never needed";
}

TEST(Controller, AHogThatStopsGetsEverythingBackStrongestRungFirst) {
    Scenario run;
    run.policy.classes[kCritical].slo.cpu_delay_p99 = 1ms;
    run.policy.classes[kBestEffort].knobs[Knob::CpuIdle] = {
        .floor = 0, .ceiling = 1, .step = 1, .hold_down = 10s, .cooldown = 0s};
    for (int i = 0; i < 5; ++i)
        run.tick(true);
    ASSERT_EQ(run.node.batch_idle, 1);
    ControllerOutput out = run.tick(false);
    EXPECT_EQ(rules_of(out), std::vector<std::string>{"cpu_idle antagonist-idle"})
        << "the weight waits for the stronger rung";
    EXPECT_EQ(run.node.batch_idle, 0);
    EXPECT_EQ(run.node.batch_weight_read(), 10) << "the weight it had before idle";
    out = run.tick(false);
    EXPECT_EQ(rules_of(out), std::vector<std::string>{"cpu_weight antagonist-idle"});
    EXPECT_EQ(run.node.batch_weight_read(), 100);
    run.tick(false);
    EXPECT_FALSE(run.state.knobs.count({"/batch", Knob::CpuWeight})) << "done with it";
    EXPECT_EQ(run.state.knobs.at({"/batch", Knob::CpuIdle}).held_at, 0)
        << "remembered: where the agent held";
    out = run.tick(true);
    EXPECT_EQ(rules_of(out), std::vector<std::string>{"cpu_idle slo-breach"})
        << "the hog is back: met at once where the agent held";
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

TEST(Controller, GivesBackHalfwayToWhereItBreachedAndSettles) {
    Scenario run;
    run.policy.classes[kBestEffort].knobs[Knob::CpuWeight].step = 10;
    run.node.busy = 0.95;  // no headroom
    // The agent breaches above a weight of 25; steps of 10 from 100.
    for (int i = 0; i < 8; ++i)
        run.tick(true);
    ASSERT_EQ(run.node.batch_weight, 20);
    std::vector<double> path;
    int breaches = 0;
    for (int i = 0; i < 120; ++i) {
        breaches += !run.tick(true).breaches.empty();
        path.push_back(run.node.batch_weight);
    }
    // Held at 20, breached at 30: probe 25 (holds), 27.5 (breaches, back to
    // 25): within a quarter step, settled. After 5 hold-downs without a
    // breach, one step up is tried, and it breaches: back to 25.
    EXPECT_EQ(path[11], 25);
    EXPECT_NE(std::find(path.begin(), path.end(), 27.5), path.end());
    EXPECT_EQ(path.back(), 25);
    EXPECT_LE(breaches, 4) << "a settled knob is tried again rarely";
}

TEST(Controller, BisectsBetweenWhereItHeldAndWhereItBreached) {
    Scenario run;
    run.policy.classes[kBestEffort].knobs[Knob::CpuWeight] = {
        .floor = 1, .ceiling = 100, .step = 40, .hold_down = 2s, .cooldown = 0s};
    run.policy.classes[kCritical].slo.cpu_delay_p99 = 3ms;  // breaches above a weight of 15
    run.node.busy = 0.95;
    std::vector<double> path;
    for (int i = 0; i < 40; ++i) {
        run.tick(true);
        path.push_back(run.node.batch_weight);
    }
    // 100 -> 60 -> 20 -> 1 (20 breaches); held at 1: probe 10.5 (holds),
    // bracket 9.5 within a quarter of the 40 step: settled, until five
    // hold-downs after the last breach (one step up then: it breaches).
    EXPECT_EQ(path[2], 1);
    for (int i = 4; i < 12; ++i)
        EXPECT_DOUBLE_EQ(path[i], 10.5) << "second " << i;
    EXPECT_DOUBLE_EQ(path[12], 50.5);
    EXPECT_DOUBLE_EQ(path[13], 10.5) << "back to where it held";
}

TEST(Controller, HeadroomRelaxesFullyAtOnce) {
    Scenario run;
    for (int i = 0; i < 3; ++i)
        run.tick(true);
    ASSERT_EQ(run.node.batch_weight, 10);
    run.node.busy = 0.3;
    ControllerOutput out;
    for (int i = 0; i < 12 && out.decisions.empty(); ++i)
        out = run.tick(true);
    ASSERT_EQ(out.decisions.size(), 1u);
    EXPECT_EQ(out.decisions[0].rule, "headroom");
    EXPECT_EQ(run.node.batch_weight, 100);
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
    run.policy.flap_limit = 2;
    run.node.busy = 0.3;  // headroom: every give-back is all the way
    std::vector<std::string> notices;
    for (int i = 0; i < 8; ++i) {
        auto out = run.tick(true);  // breach, healthy at 70... back to 100: breach
        notices.insert(notices.end(), out.notices.begin(), out.notices.end());
    }
    ASSERT_FALSE(notices.empty());
    EXPECT_NE(notices[0].find("reversed direction"), std::string::npos);
    double held_at = run.node.batch_weight;
    for (int i = 0; i < 6; ++i)
        EXPECT_TRUE(run.tick(true).decisions.empty());
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
        EXPECT_TRUE(run.tick(true).decisions.empty())
            << "second " << i << ": nothing is given back while it cannot be judged";
    EXPECT_TRUE(run.state.victims.at("/agent").breach_since) << "its last verdict stands";
    run.node.agent_waits = 500;  // judged again: still breaching at 70
    EXPECT_EQ(rules_of(run.tick(true)), std::vector<std::string>{"cpu_weight slo-breach"});
}

TEST(Controller, AVictimGoneQuietGivesEverythingBackAfterTheLimit) {
    Scenario run;
    run.node.busy = 0.95;
    run.tick(true);
    run.node.agent_waits = 0;  // gone quiet, maybe for good
    Duration first_up{};
    ControllerOutput up;
    for (int i = 0; i < 120 && first_up == Duration{}; ++i)
        if (!(up = run.tick(true)).decisions.empty())
            first_up = run.now;
    EXPECT_GT(first_up, kUnjudgedLimit) << "blamed until the limit";
    EXPECT_LE(first_up, 1s + kUnjudgedLimit) << "then back at once";
    EXPECT_EQ(rules_of(up), std::vector<std::string>{"cpu_weight victim-idle"});
    EXPECT_EQ(run.node.batch_weight, 100);
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

// A lowered knob that could not be read for a pass is still lowered: its
// state stays, and it is given back once it can be read again.
TEST(Controller, AKnobNotReadForAPassIsNotForgotten) {
    Scenario run;
    run.tick(true);
    ASSERT_FALSE(run.state.knobs.empty());
    ControllerInput in = run.node.interval(run.now + 1s, false);
    in.cgroups.at("/batch").knobs.clear();
    ControllerOutput out = decide(in, run.policy, run.state);
    EXPECT_EQ(out.state.knobs.size(), run.state.knobs.size());
    EXPECT_TRUE(out.decisions.empty());
}

// A class whose only CPU knob is the quota, on a node where the quota helps.
struct QuotaScenario : Scenario {
    QuotaScenario() {
        policy.classes[kBestEffort].knobs.erase(Knob::CpuWeight);
        policy.classes[kBestEffort].knobs[Knob::CpuMax].ceiling = kUnlimited;
        node.quota_helps = true;
        node.busy = 0.95;
    }
};

TEST(Controller, AnUnlimitedQuotaStepsFromTheCpuCountAndGoesBackToUnlimited) {
    QuotaScenario run;
    run.node.batch_usage = 0;  // unknown
    run.tick(true);
    EXPECT_DOUBLE_EQ(run.node.batch_max, 1.5) << "2 CPUs minus one step";
    run.tick(true);
    EXPECT_DOUBLE_EQ(run.node.batch_max, 1.0);
    run.tick(true);
    EXPECT_DOUBLE_EQ(run.node.batch_max, 0.5) << "5 ms: within the SLO";
    for (int i = 0; i < 120 && !std::isinf(run.node.batch_max); ++i) {
        run.tick(false);
        EXPECT_TRUE(std::isinf(run.node.batch_max) || run.node.batch_max <= 2) << "second " << i;
    }
    EXPECT_EQ(run.node.batch_max, kUnlimited) << "back at the CPU count means back to unlimited";
}

TEST(Controller, AQuotaStepsFromWhatTheHogUsedNotFromTheCpuCount) {
    QuotaScenario run;
    ControllerInput in = run.node.interval(1s, true);
    in.cpus = 64;
    in.cgroups["/batch"].cpu_usage = 1.0;  // a hog pinned to one CPU
    ControllerOutput out = decide(in, run.policy, {});
    ASSERT_EQ(out.decisions.size(), 1u);
    EXPECT_EQ(out.decisions[0].knob, Knob::CpuMax);
    EXPECT_DOUBLE_EQ(out.decisions[0].new_value, 0.5) << "one step below its one CPU";
    EXPECT_DOUBLE_EQ(out.state.knobs.at({"/batch", Knob::CpuMax}).limits_nothing_above, 1.0)
        << "stepping back up to one CPU restores no limit";
}

// A victim's run-queue delay behind its own threads, or its own quota's
// throttling, is its own trouble: reported as such, no neighbour pays.
TEST(Controller, AVictimBehindItsOwnThreadsPunishesNoNeighbour) {
    Scenario run;
    ControllerInput in = run.node.interval(1s, true);
    in.cgroups["/agent"].cpu_antagonists = {{"/agent", 0.8}, {"/batch", 0.2}};
    ControllerOutput out = decide(in, run.policy, {});
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_NE(out.breaches[0].own_cause.find("its own tasks: 80%"), std::string::npos)
        << out.breaches[0].own_cause;
    EXPECT_TRUE(out.decisions.empty());
}

TEST(Controller, AVictimThrottledByItsOwnQuotaPunishesNoNeighbour) {
    Scenario run;
    ControllerInput in = run.node.interval(1s, true);
    in.cgroups["/agent"].cpu_throttled_s = 0.5;  // its tasks waited 0.5 s for its own quota
    in.cgroups["/agent"].cpu_antagonists = {{"/batch", 0.05}};
    ControllerOutput out = decide(in, run.policy, {});
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_NE(out.breaches[0].own_cause.find("throttled by its own cpu.max"), std::string::npos)
        << out.breaches[0].own_cause;
    EXPECT_TRUE(out.decisions.empty());
    in.cgroups["/agent"].cpu_throttled_s = 0.01;  // mostly the neighbour's doing
    EXPECT_EQ(decide(in, run.policy, {}).decisions.size(), 1u);
}

// The pass right after a move measured a window that began before the move
// took effect (the daemon runs it kFollowUp later): it neither judges
// the move nor steps the knob again; the window after it does.
TEST(Controller, AWindowThatBeganBeforeTheMoveDoesNotJudgeIt) {
    Scenario run;
    ControllerInput in = run.node.interval(1s, true);
    in.window = 1s;
    ControllerOutput moved = decide(in, run.policy, {});
    ASSERT_EQ(moved.decisions.size(), 1u);
    run.node.apply(moved);
    ControllerInput follow_up = run.node.interval(1s + 100ms, true);
    follow_up.window = 100ms;
    ControllerOutput transient = decide(follow_up, run.policy, moved.state);
    EXPECT_TRUE(transient.decisions.empty()) << "its window holds the move's transient";
    ControllerInput next = run.node.interval(2s, true);
    next.window = 900ms;
    ControllerOutput judged = decide(next, run.policy, transient.state);
    ASSERT_EQ(judged.decisions.size(), 1u) << "still breaching: the next step";
    EXPECT_EQ(judged.decisions[0].new_value, 40);
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
    // The agent keeps breaching, but now only the web service is blamed
    // (wrongly: the plant still follows the batch job).
    int web_steps = 0;
    for (int i = 0; i < 12; ++i) {
        ControllerInput in = run.node.interval(run.now + 1s, true);
        in.cgroups["/agent"].cpu_antagonists = {{"/web", 1.0}};
        run.now += 1s;
        ControllerOutput out = decide(in, run.policy, run.state);
        for (const Decision &d : out.decisions)
            web_steps += d.cgroup == "/web" && d.rule == "slo-breach";
        run.node.apply(out);
        run.state = out.state;
    }
    EXPECT_GT(run.node.batch_weight, 70) << "no longer blamed: it goes back up";
    EXPECT_GT(web_steps, 0) << "the current antagonist is stepped down";
    EXPECT_EQ(run.node.web_weight, 100) << "and, not helping at its floor, undone";
}

}  // namespace
}  // namespace cgw
