// The decision step on IO evidence: a protected cgroup whose device latency
// p99 breaches its SLO on one disk steps down the IO knobs of the lower-class
// cgroups whose requests were ahead of its own on that disk, and nothing else.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "cgwarden/control/controller.h"
#include "controller_run.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;

constexpr const char *kDisk = "8:0";
constexpr const char *kOtherDisk = "8:16";
constexpr double kMiB = 1024 * 1024;

Policy io_policy() {
    Policy p;
    p.mode = Mode::Enforce;
    ClassPolicy db = test::named_class("db", 100);
    db.slo.io_latency_p99 = 2ms;
    ClassPolicy batch = test::named_class("batch", 0);
    batch.knobs[Knob::IoMax] = {
        .floor = 10 * kMiB, .ceiling = kUnlimited, .step = 20 * kMiB, .hold_down = 5s};
    batch.knobs[Knob::IoWeight] = {.floor = 10, .ceiling = 100, .step = 40, .hold_down = 5s};
    batch.knobs[Knob::CpuWeight] = {.floor = 10, .ceiling = 100, .step = 30, .hold_down = 5s};
    p.classes = {db, batch};
    return p;
}

// The database reads from kDisk behind the batch job's reads while `hog` is
// true; io_max is per device (cgroup v2 io.max), io_weight is not. Its p99
// is 12 ms unmanaged and follows the knobs that help on this node: the
// weight (proportional) and the byte rate limit (proportional to the share
// of the hog's 90 MiB/s it leaves).
struct IoNode {
    double batch_max = kUnlimited;
    double batch_io_weight = 100;
    double batch_rate = 90 * kMiB;
    bool weight_helps = true;
    bool max_helps = false;
    bool disk_reads_weight = true;  // io.cost or BFQ on kDisk, as probed

    double db_p99(bool hog) const {
        if (!hog)
            return 0.0005;
        double p99 = 0.012;
        if (weight_helps)
            p99 *= batch_io_weight / 100;
        if (max_helps)
            p99 *= std::min(1.0, batch_max / batch_rate);
        return p99;
    }

    ControllerInput interval(Duration now, bool hog, uint64_t db_ops = 400) const {
        ControllerInput in;
        in.now = now;
        in.cpu_busy_fraction = 1;
        in.cpus = 2;
        CgroupInput db;
        db.class_index = 0;
        DeviceIoInput &disk = db.io_devices[kDisk];
        disk.ops = db_ops;
        disk.latency_p99_s = db_p99(hog);
        if (hog)
            disk.queued_behind = {{"/batch", 0.8}, {"/logs", 0.15}, {"/", 0.05}};
        in.cgroups["/db"] = db;
        CgroupInput batch;
        batch.class_index = 1;
        batch.io_devices[kDisk].bytes_per_s = hog ? std::min(batch_rate, batch_max) : 0;
        batch.knobs = {{{Knob::IoMax, kDisk}, batch_max},
                       {Knob::IoWeight, batch_io_weight},
                       {Knob::CpuWeight, 100}};
        in.cgroups["/batch"] = batch;
        if (!disk_reads_weight)
            in.io_weight_ignored_on.insert(kDisk);
        return in;
    }

    void apply(const ControllerOutput &out) {
        for (const Decision &d : out.decisions) {
            if (d.knob == Knob::IoMax)
                batch_max = d.new_value;
            else if (d.knob == Knob::IoWeight)
                batch_io_weight = d.new_value;
        }
    }
};

struct IoScenario : test::ControllerRun<IoNode> {
    IoScenario() : ControllerRun(io_policy()) {}

    struct Said {
        std::vector<Decision> moves;
        std::vector<std::string> notices;
    };
    // What `intervals` of the hog reading made the controller do and say.
    Said run_for(int intervals) {
        Said said;
        for (int i = 0; i < intervals; ++i) {
            ControllerOutput out = tick(true);
            said.moves.insert(said.moves.end(), out.decisions.begin(), out.decisions.end());
            said.notices.insert(said.notices.end(), out.notices.begin(), out.notices.end());
        }
        return said;
    }
};

TEST(ControllerIo, ABreachOnADiskStepsTheWeightOfWhoWasQueuedAheadOnItFirst) {
    IoScenario run;
    ControllerOutput out = run.tick(true);
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_EQ(out.breaches[0].slo, "io_latency_p99");
    EXPECT_EQ(out.breaches[0].device, kDisk);
    EXPECT_DOUBLE_EQ(out.breaches[0].observed, 0.012);
    ASSERT_EQ(out.decisions.size(), 1u) << "io_weight first: no byte limit, no CPU knob";
    const Decision &weight = out.decisions[0];
    EXPECT_EQ(weight.cgroup, "/batch");
    EXPECT_EQ(weight.knob, Knob::IoWeight);
    EXPECT_EQ(weight.device, "") << "v2 io.weight is the cgroup's default, not per device";
    EXPECT_EQ(weight.new_value, 60);
    ASSERT_TRUE(weight.evidence);
    EXPECT_EQ(weight.evidence->device, kDisk);
    EXPECT_DOUBLE_EQ(weight.evidence->antagonist_share, 0.8);
    for (int i = 0; i < 10; ++i)
        run.tick(true);
    EXPECT_EQ(run.node.batch_io_weight, 10) << "1.2 ms at the floor: within the SLO";
    EXPECT_EQ(run.node.batch_max, kUnlimited) << "the hog keeps its throughput";
}

TEST(ControllerIo, AReaderStarvedToAFewRequestsIsJudgedByTheirMedian) {
    IoScenario run;
    ControllerInput in = run.node.interval(1s, true, kMinWaitsForMedian);
    DeviceIoInput &disk = in.cgroups["/db"].io_devices[kDisk];
    disk.latency_p50_s = 0.001;  // half of them within the 2 ms target: too few to tell
    EXPECT_TRUE(decide(in, run.policy, {}).breaches.empty());
    disk.latency_p50_s = 0.010;  // half of them late: no p99 within the target does that
    ControllerOutput out = decide(in, run.policy, {});
    ASSERT_EQ(out.breaches.size(), 1u);
    EXPECT_DOUBLE_EQ(out.breaches[0].observed, 0.012);
    ASSERT_EQ(out.decisions.size(), 1u);
    EXPECT_EQ(out.decisions[0].knob, Knob::IoWeight);
    disk.ops = kMinWaitsForMedian - 1;  // fewer still: not even a median
    EXPECT_TRUE(decide(in, run.policy, {}).breaches.empty());
}

TEST(ControllerIo, ARateLimitStepsFromWhatTheHogMovedOnceTheWeightDidNotHelp) {
    IoScenario run;
    run.node.weight_helps = false;  // blk-throttle or a scheduler without weights
    run.node.max_helps = true;
    auto [moves, notices] = run.run_for(30);
    for (const Decision &d : moves)
        EXPECT_GE(d.new_value, d.knob == Knob::IoMax ? 10 * kMiB : 10) << "never below the floor";
    EXPECT_EQ(run.node.batch_io_weight, 100) << "the weight did not help: undone";
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("/batch io_weight did not help /db"), std::string::npos);
    auto first_max = std::find_if(moves.begin(), moves.end(),
                                  [](const Decision &d) { return d.knob == Knob::IoMax; });
    ASSERT_NE(first_max, moves.end());
    EXPECT_EQ(first_max->device, kDisk);
    EXPECT_DOUBLE_EQ(first_max->new_value, 70 * kMiB)
        << "an unlimited io_max steps down from what the hog moved in the interval";
    EXPECT_DOUBLE_EQ(run.node.batch_max, 15 * kMiB)
        << "the boundary (2 ms at 15 MiB/s), found from the floor by bisection";
}

TEST(ControllerIo, OnADiskThatDoesNotReadWeightsTheLadderStartsAtTheRateLimit) {
    IoScenario run;
    run.node.weight_helps = false;
    run.node.disk_reads_weight = false;  // probed: no io.cost, no BFQ there
    run.node.max_helps = true;
    auto [moves, notices] = run.run_for(30);
    ASSERT_FALSE(moves.empty());
    EXPECT_TRUE(std::all_of(moves.begin(), moves.end(), [](const Decision &d) {
        return d.knob == Knob::IoMax;
    })) << "the weight is never tried";
    EXPECT_TRUE(notices.empty()) << notices[0];
    EXPECT_DOUBLE_EQ(moves[0].new_value, 70 * kMiB);
    EXPECT_DOUBLE_EQ(run.node.batch_max, 15 * kMiB);
}

TEST(ControllerIo, AnUnlimitedRateAsksForAPassSoonToTakeItsFirstStepFrom) {
    IoScenario run;
    run.node.disk_reads_weight = false;
    run.node.max_helps = true;
    ControllerOutput first = run.tick(true);
    EXPECT_TRUE(first.decisions.empty()) << "the window the hog started in understates its rate";
    EXPECT_TRUE(first.measure_soon);
    ControllerOutput next = run.tick(true);
    ASSERT_EQ(next.decisions.size(), 1u);
    EXPECT_DOUBLE_EQ(next.decisions[0].new_value, 70 * kMiB);
    EXPECT_FALSE(next.measure_soon);
}

TEST(ControllerIo, WhereNoRateLimitHelpsEitherTheVerdictLeavesOutTheWeight) {
    IoScenario run;
    run.node.weight_helps = false;
    run.node.disk_reads_weight = false;
    std::vector<std::string> notices = run.run_for(20).notices;
    EXPECT_EQ(run.node.batch_max, kUnlimited);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("/db cannot be protected from it with the knobs this node has"),
              std::string::npos)
        << notices[0];
}

TEST(ControllerIo, DoesNoHarmWhereNoKnobHelpsAndSaysSo) {
    IoScenario run;
    run.node.weight_helps = false;
    std::vector<std::string> notices = run.run_for(20).notices;
    EXPECT_EQ(run.node.batch_io_weight, 100);
    EXPECT_EQ(run.node.batch_max, kUnlimited) << "the hog keeps everything";
    ASSERT_EQ(notices.size(), 2u);
    EXPECT_NE(notices[1].find("/batch io_max 8:0 did not help /db"), std::string::npos);
    EXPECT_NE(notices[1].find("/db cannot be protected from it with the knobs this node has"),
              std::string::npos)
        << notices[1];
    EXPECT_TRUE(run.tick(true).decisions.empty()) << "and it stays that way";
}

TEST(ControllerIo, AHogThatStopsGetsItsKnobsBackAtOnce) {
    IoScenario run;
    run.node.weight_helps = false;
    run.node.max_helps = true;
    for (int i = 0; i < 12; ++i)
        run.tick(true);
    ASSERT_LT(run.node.batch_max, kUnlimited);
    ControllerOutput out = run.tick(false);
    ASSERT_EQ(out.decisions.size(), 1u);
    EXPECT_EQ(out.decisions[0].rule, "antagonist-idle");
    EXPECT_TRUE(std::isinf(run.node.batch_max)) << "back to no limit, exactly";
}

// A hog its limit holds to a trickle is capped, not stopped: it keeps its
// limit (until the hold-down, then the search) instead of getting it back
// at once as if it had gone idle.
TEST(ControllerIo, AHogItsCapSlowsToATrickleIsNotTakenForStopped) {
    IoScenario run;
    run.node.weight_helps = false;
    run.node.max_helps = true;
    run.policy.classes[1].knobs.erase(Knob::IoWeight);
    run.policy.classes[1].knobs[Knob::IoMax].floor = 2 * kMiB;
    run.policy.classes[1].knobs[Knob::IoMax].step = 88 * kMiB;  // from 90 MiB/s to 2 at once
    run.tick(true);  // the rate of a whole interval first
    run.tick(true);
    ASSERT_DOUBLE_EQ(run.node.batch_max, 2 * kMiB);
    for (int i = 0; i < 4; ++i)
        for (const Decision &d : run.tick(true).decisions)
            EXPECT_NE(d.rule, "antagonist-idle") << "second " << i;
    EXPECT_DOUBLE_EQ(run.node.batch_max, 2 * kMiB) << "held through the hold-down";
}

TEST(ControllerIo, NoBreachWithoutEnoughRequestsOrOnAnotherDisk) {
    IoScenario run;
    EXPECT_TRUE(run.tick(true, 5).breaches.empty()) << "a p99 of 5 requests is noise";

    ControllerInput in = run.node.interval(10s, true);
    // The same evidence on a disk the batch job has no io_max slot for: the
    // per-device knob is left alone, the cgroup-wide weight still moves.
    in.cgroups["/db"].io_devices[kOtherDisk] = in.cgroups["/db"].io_devices[kDisk];
    in.cgroups["/db"].io_devices.erase(kDisk);
    ControllerOutput out = decide(in, run.policy, {});
    ASSERT_EQ(out.decisions.size(), 1u);
    EXPECT_EQ(out.decisions[0].knob, Knob::IoWeight);
}

TEST(ControllerIo, ACpuBreachDoesNotTouchIoKnobsNorTheReverse) {
    Policy policy = io_policy();
    policy.classes[0].slo.cpu_delay_p99 = 1ms;
    IoNode node;
    ControllerInput in = node.interval(1s, false);
    in.cgroups["/db"].cpu_delay_p99_s = 0.01;
    in.cgroups["/db"].cpu_waits = 100;
    in.cgroups["/db"].cpu_antagonists = {{"/batch", 1.0}};
    ControllerOutput out = decide(in, policy, {});
    ASSERT_EQ(out.decisions.size(), 1u);
    EXPECT_EQ(out.decisions[0].knob, Knob::CpuWeight);
}

}  // namespace
}  // namespace cgw
