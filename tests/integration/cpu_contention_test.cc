// CPU sensor on the real kernel, against the kernel's own accounting:
// /proc/<pid>/schedstat for run-queue delay, cpu.stat for throttling.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/sensor/cpu_sensor.h"
#include "cgwarden/sensor/sample.h"
#include "cgwarden/signals/cpu_signals.h"
#include "cgwarden/snapshot/report.h"
#include "root_kernel_test.h"
#include "schedstat.h"
#include "snapshot_cli.h"
#include "test_cgroup.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using test::TestCgroup;

constexpr auto kWindow = 3s;

std::string hog_workers() {
    return std::to_string(std::thread::hardware_concurrency() + 1);
}

// cpu.stat read here with its own few lines, not with cgwarden's parser: the
// ground truth must not share code with what it checks.
std::map<std::string, uint64_t> kernel_cpu_stat(const std::filesystem::path &dir) {
    std::map<std::string, uint64_t> stat;
    std::ifstream in(dir / "cpu.stat");
    std::string key;
    uint64_t value;
    while (in >> key >> value)
        stat[key] = value;
    return stat;
}

uint64_t throttled_ns(const std::map<std::string, uint64_t> &stat) {
    if (auto it = stat.find("throttled_usec"); it != stat.end())
        return it->second * 1000;      // v2
    return stat.at("throttled_time");  // v1, already ns
}

class CpuContention : public test::RootKernelTest,
                      public ::testing::WithParamInterface<AttachMode> {
  protected:
    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        if (GetParam() == AttachMode::TpBtf && !features_.tp_btf)
            GTEST_SKIP() << "this kernel loads no tp_btf program; the raw_tp variant covers it";
    }

    std::unique_ptr<CpuSensor> open_sensor() {
        auto sensor =
            CpuSensor::open(features_, CpuCgroupTree(layout_.cpu_ids_mount()), GetParam());
        if (!sensor)
            ADD_FAILURE() << sensor.error().message;
        return sensor ? std::move(sensor).value() : nullptr;
    }

    Sample sample(CpuSensor &sensor, CpuCgroupTree &tree) {
        auto s = take_sample(sensor, layout_, tree);
        if (!s)
            throw std::runtime_error(s.error().message);
        return std::move(s).value();
    }

    nlohmann::json snapshot_json(const Sample &before, const Sample &after, CpuCgroupTree &tree,
                                 const std::vector<std::string> &paths) {
        Signals window;
        window.cpu = compute_cpu_signals(before, after);
        const PassModel model(window, {.cpu = &tree.paths_by_id()});
        return to_json(build_snapshot_report(model, layout_.mode, GetParam(), tree, paths));
    }
};

TEST_P(CpuContention, RunQueueDelayMatchesSchedstat) {
    TestCgroup hog(layout_, "hog");
    TestCgroup victim(layout_, "victim");
    hog.spawn({"stress-ng", "--cpu", hog_workers(), "--timeout", "60s", "--quiet"});
    // A victim that wants more CPU than its group's fair share, so its waits
    // add up to a figure that a handful of waits cut at the window's edges
    // cannot swing.
    victim.spawn({test::tool_path("wakeloop"), "--sleep-us", "500", "--work-us", "3000"});
    auto sensor = open_sensor();
    ASSERT_TRUE(sensor);
    std::this_thread::sleep_for(1s);  // stress-ng forks its workers

    CpuCgroupTree tree(*layout_.mount_for("cpu"));
    // Ground truth right before each sample, which reads the maps first: both
    // windows start and end within microseconds of each other.
    uint64_t victim_before = test::run_delay_ns(victim.pids());
    uint64_t hog_before = test::run_delay_ns(hog.pids());
    Sample before = sample(*sensor, tree);
    std::this_thread::sleep_for(kWindow);
    double victim_truth =
        static_cast<double>(test::run_delay_ns(victim.pids()) - victim_before) / 1e9;
    double hog_truth = static_cast<double>(test::run_delay_ns(hog.pids()) - hog_before) / 1e9;
    Sample after = sample(*sensor, tree);

    auto report = snapshot_json(before, after, tree, {victim.path(), hog.path()});
    const auto &v = test::cgroup_entry(report, victim.path())["cpu"];
    const auto &h = test::cgroup_entry(report, hog.path())["cpu"];
    EXPECT_NEAR(v["runq_delay_total_s"].get<double>(), victim_truth, 0.10 * victim_truth)
        << report.dump(2);
    EXPECT_NEAR(h["runq_delay_total_s"].get<double>(), hog_truth, 0.10 * hog_truth)
        << report.dump(2);
    // More hog workers than CPUs: one is always waiting, for most of the window.
    EXPECT_GT(hog_truth, 0.5 * std::chrono::duration<double>(kWindow).count());
    EXPECT_GT(v["runq_events"].get<uint64_t>(), 100u);
    EXPECT_GT(v["runq_delay_p99_s"].get<double>(), v["runq_delay_p50_s"].get<double>());
    EXPECT_LE(v["runq_delay_p99_s"].get<double>(), v["runq_delay_max_s"].get<double>());
    EXPECT_EQ(h["throttled_s"].get<double>(), 0.0) << "no quota was set";
}

// The kernel times a wait that moves to another CPU in two parts: the first
// goes into run_delay when the task leaves the old run queue, the second is
// timed on the new one. Two busy workers per CPU, all moved to the other CPU
// every 20 ms: most moves split a wait, and without the first parts the
// workers' total fell 7% short on a 6.18 host.
TEST_P(CpuContention, AWaitThatMovesBetweenCpusCountsBothParts) {
    ASSERT_GE(std::thread::hardware_concurrency(), 2u)
        << "this test moves waits between two CPUs: run it on a machine with two";
    TestCgroup movers(layout_, "movers");
    movers.spawn({"stress-ng", "--cpu", "4", "--timeout", "60s", "--quiet"});
    auto sensor = open_sensor();
    ASSERT_TRUE(sensor);
    std::this_thread::sleep_for(1s);  // stress-ng forks its workers
    // stress-ng's parent (asleep) and its four workers: two on each CPU.
    std::vector<pid_t> tasks = movers.pids();
    ASSERT_EQ(tasks.size(), 5u);
    auto move_all = [&](int turn) {
        for (size_t i = 0; i < tasks.size(); ++i) {
            cpu_set_t cpus;
            CPU_ZERO(&cpus);
            CPU_SET((i + turn) % 2, &cpus);
            ASSERT_EQ(::sched_setaffinity(tasks[i], sizeof cpus, &cpus), 0) << tasks[i];
        }
    };
    move_all(0);
    std::this_thread::sleep_for(100ms);

    CpuCgroupTree tree(*layout_.mount_for("cpu"));
    uint64_t truth_before = test::run_delay_ns(tasks);
    Sample before = sample(*sensor, tree);
    auto end = std::chrono::steady_clock::now() + kWindow;
    for (int turn = 1; std::chrono::steady_clock::now() < end; ++turn) {
        std::this_thread::sleep_for(20ms);
        move_all(turn);
    }
    double truth = static_cast<double>(test::run_delay_ns(tasks) - truth_before) / 1e9;
    Sample after = sample(*sensor, tree);

    auto report = snapshot_json(before, after, tree, {movers.path()});
    const auto &c = test::cgroup_entry(report, movers.path())["cpu"];
    // One worker of two always waits on each CPU.
    EXPECT_GT(truth, 0.5 * std::chrono::duration<double>(kWindow).count());
    // A wait whose record another task took loses its part from the other
    // CPU, counted (wait_record_taken): at most that share of the waits
    // comes up short beyond the 3%. Without the carry it is 7% short with
    // none taken; in a TCG guest 66 of 982 records were taken once (4.4%).
    double taken = report["lost_events"]["cpu_wait_record_taken"].get<double>() /
                   std::max(1.0, c["runq_events"].get<double>());
    EXPECT_NEAR(c["runq_delay_total_s"].get<double>(), truth, (0.03 + taken) * truth)
        << report.dump(2);
}

TEST_P(CpuContention, ThrottlingMatchesCpuStat) {
    TestCgroup hog(layout_, "quota");
    hog.set_cpu_quota(20'000, 100'000);  // 0.2 CPU for two busy workers
    hog.spawn({"stress-ng", "--cpu", "2", "--timeout", "60s", "--quiet"});
    auto sensor = open_sensor();
    ASSERT_TRUE(sensor);
    std::this_thread::sleep_for(1s);

    CpuCgroupTree tree(*layout_.mount_for("cpu"));
    auto stat_before = kernel_cpu_stat(hog.dir("cpu"));
    Sample before = sample(*sensor, tree);
    std::this_thread::sleep_for(kWindow);
    Sample after = sample(*sensor, tree);
    auto stat_after = kernel_cpu_stat(hog.dir("cpu"));

    double truth_s =
        static_cast<double>(throttled_ns(stat_after) - throttled_ns(stat_before)) / 1e9;
    uint64_t truth_periods = stat_after.at("nr_throttled") - stat_before.at("nr_throttled");
    auto report = snapshot_json(before, after, tree, {hog.path()});
    const auto &c = test::cgroup_entry(report, hog.path())["cpu"];
    EXPECT_GT(c["throttled_s"].get<double>(), 0.5)
        << "BPF saw no throttled waits: " << report.dump(2);
    EXPECT_GT(truth_s, 0.0);
    EXPECT_NEAR(c["cpu_stat_throttled_s"].get<double>(), truth_s, 0.10 * truth_s) << report.dump(2);
    EXPECT_NEAR(static_cast<double>(c["nr_throttled"].get<uint64_t>()),
                static_cast<double>(truth_periods), 0.10 * static_cast<double>(truth_periods));
    EXPECT_GT(c["usage_s"].get<double>(), 0.0);
}

// Two processes of one cgroup ping-ponging through a pipe on one CPU: each
// waits for the CPU until the other blocks, so the cgroup is its own
// antagonist, the (id, id) pair that the BPF side keeps apart from the others.
TEST_P(CpuContention, TasksTakingTurnsAreTheirOwnCgroupsAntagonist) {
    TestCgroup pair(layout_, "pingpong");
    pair.spawn({"stress-ng", "--switch", "1", "--taskset", "0", "--timeout", "60s", "--quiet"});
    auto sensor = open_sensor();
    ASSERT_TRUE(sensor);
    std::this_thread::sleep_for(500ms);

    CpuCgroupTree tree(*layout_.mount_for("cpu"));
    Sample before = sample(*sensor, tree);
    std::this_thread::sleep_for(1s);
    Sample after = sample(*sensor, tree);

    auto report = snapshot_json(before, after, tree, {pair.path()});
    const auto &by = test::cgroup_entry(report, pair.path())["cpu"]["preempted_by"];
    auto self =
        std::find_if(by.begin(), by.end(), [&](const auto &p) { return p["path"] == pair.path(); });
    ASSERT_NE(self, by.end()) << report.dump(2);
    EXPECT_GT((*self)["count"].get<uint64_t>(), 1000u) << report.dump(2);
    EXPECT_GT((*self)["delay_s"].get<double>(), 0.0);
}

// A cgroup's first waits land in the per-CPU hash; the next pass gives it a
// stats slot and the one after folds its hash entry into the sensor's own
// counters. Its figures add up across the move, neither lost nor counted
// twice (against schedstat over its whole life, the sensor attached before
// it was created), and it is forgotten once removed.
TEST_P(CpuContention, ACgroupsFiguresAddUpAcrossItsMoveToASlotAndGoWithIt) {
    auto sensor = open_sensor();
    ASSERT_TRUE(sensor);
    CpuCgroupTree tree(layout_.cpu_ids_mount());
    CpuCgroupId id;
    {
        TestCgroup pair(layout_, "slot");
        pair.spawn({"stress-ng", "--switch", "1", "--taskset", "0", "--timeout", "60s", "--quiet"});
        std::this_thread::sleep_for(500ms);
        id = *tree.id_of(pair.path());
        std::vector<double> bpf_s;
        double truth_s = 0;
        for (int pass = 0; pass < 3; ++pass) {  // in the hash; given a slot; folded
            truth_s = static_cast<double>(test::run_delay_ns(pair.pids())) / 1e9;
            Sample s = sample(*sensor, tree);
            bpf_s.push_back(static_cast<double>(s.cpu.by_cgroup[id].runq_delay_ns) / 1e9);
            std::this_thread::sleep_for(500ms);
        }
        EXPECT_GT(bpf_s[0], 0.0);
        EXPECT_GT(bpf_s[1], bpf_s[0]);
        EXPECT_GT(bpf_s[2], bpf_s[1]);
        EXPECT_NEAR(bpf_s[2], truth_s, 0.10 * truth_s);
    }
    sample(*sensor, tree);  // its last counters, then it is forgotten
    EXPECT_EQ(sample(*sensor, tree).cpu.by_cgroup.count(id), 0u);
}

// The pairs that name a removed cgroup leave the pair map with it, on
// either side: else they stay until the map is full.
TEST_P(CpuContention, PreemptionPairsOfARemovedCgroupGoWithIt) {
    auto sensor = open_sensor();
    ASSERT_TRUE(sensor);
    CpuCgroupTree tree(layout_.cpu_ids_mount());
    TestCgroup victim(layout_, "pair-victim");
    victim.spawn({"taskset", "-c", "0", test::tool_path("wakeloop"), "--sleep-us", "500",
                  "--work-us", "100"});
    CpuCgroupId hog_id;
    auto names_hog = [&](const Sample &s) {
        return std::ranges::count_if(s.cpu.preempt, [&](const auto &entry) {
            return entry.first.first == hog_id || entry.first.second == hog_id;
        });
    };
    {
        TestCgroup hog(layout_, "pair-hog");
        hog.spawn({"stress-ng", "--cpu", "1", "--taskset", "0", "--timeout", "60s", "--quiet"});
        hog_id = *tree.id_of(hog.path());
        std::this_thread::sleep_for(1s);
        EXPECT_GT(names_hog(sample(*sensor, tree)), 0) << "the victim waited behind the hog";
    }
    sample(*sensor, tree);  // the hog is forgotten, its pairs deleted
    EXPECT_EQ(names_hog(sample(*sensor, tree)), 0);
}

// A cgroup made and removed between two passes is never listed by the
// tree; its hash entry goes all the same, two passes later.
TEST_P(CpuContention, ACgroupThatLivedLessThanAPassLeavesNoEntryBehind) {
    auto sensor = open_sensor();
    ASSERT_TRUE(sensor);
    CpuCgroupTree tree(layout_.cpu_ids_mount());
    sample(*sensor, tree);
    CpuCgroupId id;
    {
        TestCgroup ghost(layout_, "ghost");
        ghost.spawn(
            {"stress-ng", "--switch", "1", "--taskset", "0", "--timeout", "60s", "--quiet"});
        std::this_thread::sleep_for(300ms);
        id = *tree.id_of(ghost.path());
    }
    EXPECT_GT(sample(*sensor, tree).cpu.by_cgroup.count(id), 0u) << "its waits were counted";
    sample(*sensor, tree);  // unlisted a second time: forgotten
    EXPECT_EQ(sample(*sensor, tree).cpu.by_cgroup.count(id), 0u);
}

INSTANTIATE_TEST_SUITE_P(AttachModes, CpuContention,
                         ::testing::Values(AttachMode::TpBtf, AttachMode::RawTp),
                         [](const auto &param) { return std::string(to_string(param.param)); });

// The command line, end to end: the victim's worst antagonist is the hog.
TEST(SnapshotCommand, NamesTheHogAsTheVictimsAntagonist) {
    ASSERT_EQ(::geteuid(), 0u) << "integration tests load BPF and create cgroups: run as root";
    auto layout = detect_cgroup_layout();
    ASSERT_TRUE(layout) << layout.error().message;
    TestCgroup hog(*layout, "cli-hog");
    TestCgroup victim(*layout, "cli-victim");
    hog.spawn({"stress-ng", "--cpu", hog_workers(), "--timeout", "60s", "--quiet"});
    victim.spawn({test::tool_path("wakeloop"), "--sleep-us", "500", "--work-us", "100"});
    std::this_thread::sleep_for(500ms);

    auto [status, text] = test::run_cgwarden("snapshot --json --duration 3 --cgroup " +
                                             victim.path() + " --cgroup " + hog.path());
    ASSERT_EQ(status, 0) << text;

    auto report = nlohmann::json::parse(text);
    EXPECT_EQ(report["cgroup_mode"], std::string(to_string(layout->mode)));
    // The window is at least what was asked; on a loaded node waking up to
    // end it may take a while.
    EXPECT_GE(report["duration_s"].get<double>(), 3.0);
    EXPECT_LT(report["duration_s"].get<double>(), 6.0);
    const auto &v = test::cgroup_entry(report, victim.path());
    EXPECT_EQ(v["id"].get<uint64_t>(),
              CpuCgroupTree(*layout->mount_for("cpu")).id_of(victim.path())->value);
    // Sorted by delay caused. The root cgroup holds everything not in a
    // cgroup of its own (this test, cgwarden, other work on a shared node):
    // it may rightly rank anywhere; among the others the hog comes first.
    const auto &preempted_by = v["cpu"]["preempted_by"];
    for (size_t i = 1; i < preempted_by.size(); ++i)
        EXPECT_GE(preempted_by[i - 1]["delay_s"].get<double>(),
                  preempted_by[i]["delay_s"].get<double>());
    auto first_not_root = std::find_if(preempted_by.begin(), preempted_by.end(),
                                       [](const auto &p) { return p["path"] != "/"; });
    ASSERT_NE(first_not_root, preempted_by.end()) << text;
    EXPECT_EQ((*first_not_root)["path"], hog.path()) << text;
    EXPECT_GT((*first_not_root)["delay_s"].get<double>(), 0.0);
    EXPECT_GT((*first_not_root)["count"].get<uint64_t>(), 0u);
}

}  // namespace
}  // namespace cgw
