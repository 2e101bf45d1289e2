// The decision step on memory evidence: a protected cgroup whose tasks stall
// on memory beyond its memory_stall SLO steps down memory_high of the
// lower-class cgroups holding the most memory, innermost only, and gives it
// back step by step (idle CPUs are no reason to hand memory back at once).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "cgwarden/control/controller.h"
#include "controller_run.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;

constexpr double kGiB = 1024.0 * 1024 * 1024;

Policy memory_policy() {
    Policy p;
    p.mode = Mode::Enforce;
    ClassPolicy web = test::named_class("web", 100);
    web.slo.memory_stall = 0.10;
    ClassPolicy batch = test::named_class("batch", 0);
    batch.knobs[Knob::MemoryHigh] = {
        .floor = 1 * kGiB, .ceiling = kUnlimited, .step = 0.5 * kGiB, .hold_down = 3s};
    p.classes = {web, batch};
    return p;
}

// /apps/web is stalled while /batch/job fills memory. /batch (its parent) and
// /apps (the victim's parent) are of the batch class too; /logs has no class.
// The stall given is the one with /batch/job unlimited; it shrinks with the
// memory its memory_high leaves it (of the 4.5 GiB it holds).
struct MemoryNode {
    double job_high = kUnlimited;

    ControllerInput interval(Duration now, double unlimited_stall) const {
        double web_stall = unlimited_stall * std::min(1.0, job_high / (4.5 * kGiB));
        ControllerInput in;
        in.now = now;
        in.cpu_busy_fraction = 0.1;  // idle CPUs: no reason to relax memory
        in.cpus = 2;
        auto add = [&in](const std::string &path, std::optional<size_t> cls, double bytes) {
            CgroupInput &cg = in.cgroups[path];
            cg.class_index = cls;
            cg.memory_bytes = bytes;
            cg.memory_stall = 0;
            return &cg;
        };
        add("/", std::nullopt, 8 * kGiB);
        add("/apps", 1, 2.2 * kGiB)->knobs = {{Knob::MemoryHigh, kUnlimited}};
        add("/apps/web", 0, 2 * kGiB)->memory_stall = web_stall;
        add("/batch", 1, 4.6 * kGiB)->knobs = {{Knob::MemoryHigh, kUnlimited}};
        add("/batch-other", 1, 0.1 * kGiB)->knobs = {{Knob::MemoryHigh, kUnlimited}};
        add("/batch/job", 1, 4.5 * kGiB)->knobs = {{Knob::MemoryHigh, job_high}};
        add("/logs", std::nullopt, 0.4 * kGiB);
        return in;
    }

    void apply(const ControllerOutput &out) {
        for (const Decision &d : out.decisions)
            if (d.cgroup == "/batch/job")
                job_high = d.new_value;
    }
};

struct MemoryScenario : test::ControllerRun<MemoryNode> {
    MemoryScenario() : ControllerRun(memory_policy()) {}
};

TEST(ControllerMemory, AStallStepsMemoryHighOfTheInnermostLargestHolder) {
    MemoryScenario run;
    ControllerOutput out = run.tick(0.30);
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_EQ(out.breaches[0].slo, "memory_stall");
    EXPECT_DOUBLE_EQ(out.breaches[0].observed, 0.30);
    EXPECT_DOUBLE_EQ(out.breaches[0].target, 0.10);
    ASSERT_EQ(out.decisions.size(), 1u)
        << "not /batch (its memory is /batch/job's), not /apps (it holds the victim's), not "
           "/batch-other (2% of the memory), not /logs (no class)";
    const Decision &d = out.decisions[0];
    EXPECT_EQ(d.cgroup, "/batch/job");
    EXPECT_EQ(d.knob, Knob::MemoryHigh);
    EXPECT_TRUE(std::isinf(d.old_value));
    EXPECT_DOUBLE_EQ(d.new_value, 4 * kGiB) << "an unlimited memory_high steps from what it holds";
    ASSERT_TRUE(d.evidence);
    EXPECT_EQ(d.evidence->victim, "/apps/web");
    EXPECT_DOUBLE_EQ(d.evidence->antagonist_weight, 4.5 * kGiB);
    EXPECT_NEAR(d.evidence->antagonist_share, 4.5 / 5.0, 1e-9)
        << "of /batch/job, /batch-other, /logs";

    run.tick(0.30);
    EXPECT_DOUBLE_EQ(run.node.job_high, 3.5 * kGiB) << "one step per interval";
    for (int i = 0; i < 10; ++i)
        run.tick(0.30);
    EXPECT_DOUBLE_EQ(run.node.job_high, 1.5 * kGiB)
        << "10% stall: within the SLO, one step above the floor";
    std::vector<Decision> moves;
    std::vector<std::string> effects;
    for (int i = 0; i < 10; ++i) {  // a heavier stall: 13% even at the floor
        ControllerOutput heavier = run.tick(0.60);
        moves.insert(moves.end(), heavier.decisions.begin(), heavier.decisions.end());
        effects.insert(effects.end(), heavier.effects.begin(), heavier.effects.end());
        EXPECT_GE(run.node.job_high, 1 * kGiB) << "never below the floor";
    }
    ASSERT_EQ(moves.size(), 1u)
        << "the cap made the victim healthy once: it stays, at its floor (60% stall without it)";
    EXPECT_EQ(moves[0].new_value, 1 * kGiB);
    EXPECT_DOUBLE_EQ(run.node.job_high, 1 * kGiB);
    ASSERT_FALSE(effects.empty());
    EXPECT_NE(effects.back().find("helped /apps/web only partly"), std::string::npos)
        << effects.back();
}

TEST(ControllerMemory, ACapThatNeverMadeTheVictimHealthyIsUndoneAtItsFloor) {
    MemoryScenario run;
    std::vector<Decision> moves;
    std::vector<std::string> notices;
    for (int i = 0; i < 12; ++i) {  // 13% even at the floor, from the start
        ControllerOutput out = run.tick(0.60);
        moves.insert(moves.end(), out.decisions.begin(), out.decisions.end());
        notices.insert(notices.end(), out.notices.begin(), out.notices.end());
    }
    ASSERT_FALSE(moves.empty());
    EXPECT_EQ(moves.back().rule, "no-effect")
        << "a cap that cannot make the victim healthy costs the job for nothing";
    EXPECT_TRUE(std::isinf(run.node.job_high));
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("/apps/web cannot be protected from it"), std::string::npos)
        << notices[0];
}

TEST(ControllerMemory, GivesMemoryBackByTheSearchNotAtOnce) {
    MemoryScenario run;
    for (int i = 0; i < 4; ++i)
        run.tick(0.30);
    ASSERT_DOUBLE_EQ(run.node.job_high, 2.5 * kGiB);
    for (int i = 0; i < 2; ++i)
        run.tick(0.12);  // the victim is within its SLO from 3.75 GiB down
    ASSERT_DOUBLE_EQ(run.node.job_high, 2.5 * kGiB) << "hold-down of 3 s";
    ControllerOutput up = run.tick(0.12);
    ASSERT_EQ(up.decisions.size(), 1u);
    EXPECT_EQ(up.decisions[0].rule, "probe") << "idle CPUs do not hand memory back at once";
    EXPECT_DOUBLE_EQ(run.node.job_high, 2.75 * kGiB) << "halfway to where it breached";
    for (int i = 0; i < 6; ++i)
        run.tick(0.12);
    EXPECT_DOUBLE_EQ(run.node.job_high, 2.875 * kGiB)
        << "settled within a quarter step of 3 GiB, where it last breached";
}

TEST(ControllerMemory, NoBreachWithinTheSloOrWithoutMemoryFigures) {
    MemoryScenario run;
    EXPECT_TRUE(run.tick(0.05).breaches.empty());
    ControllerInput unmeasured = run.node.interval(10s, 0.5);
    unmeasured.cgroups["/apps/web"].memory_stall.reset();  // memory is not on cgroup2
    ControllerOutput out = decide(unmeasured, run.policy, {});
    EXPECT_TRUE(out.breaches.empty());
    EXPECT_FALSE(out.state.victims.count("/apps/web")) << "an SLO it cannot judge is not watched";
}

}  // namespace
}  // namespace cgw
