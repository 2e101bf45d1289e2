// `cgwarden run` end to end on the real kernel and real cgroup files: a
// critical victim breaching its run-queue SLO makes the daemon step down the
// best-effort hog's CPU knobs (never the victim's), weight first, then
// cpu.idle where the weight is not enough, never the quota that would not
// help; relax them back to the originals once the hog is gone, and leave
// every knob byte-identical after SIGTERM, and after SIGKILL followed by
// `cgwarden restore`.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "cgwarden/cgroup/layout.h"
#include "command.h"
#include "daemon_process.h"
#include "enforcement_config.h"
#include "knob_files.h"
#include "process.h"
#include "root_kernel_test.h"
#include "test_cgroup.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;

using test::DaemonProcess;
using test::eventually;
using test::slurp;

class Enforcement : public test::RootKernelTest {
  protected:
    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        hog_ = std::make_unique<test::TestCgroup>(layout_, "enf-hog");
        victim_ = std::make_unique<test::TestCgroup>(layout_, "enf-victim");
        // With equal weights the scheduler favours the victim's group (its
        // whole weight sits on one CPU, the hog's is spread over all), so its
        // p99 lands anywhere between 30 us and 1 ms from run to run. A quarter
        // of the hog's weight, both pinned to CPU 0, breaches the 200 us SLO
        // every time (p99 ~5 ms measured) while the victim still wakes ~1000
        // times a second, enough for a p99 in every interval.
        victim_->set_cpu_weight(25);
        knobs_ = std::make_unique<test::KnobFiles>(
            std::vector<const test::TestCgroup *>{hog_.get(), victim_.get()}, "cpu",
            layout_.mode == CgroupMode::V2
                ? std::vector<std::string>{"cpu.weight", "cpu.max"}
                : std::vector<std::string>{"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us"});

        config_ = test::write_enforcement_config(
            state_, {.critical = victim_->path(),
                     .slo = "cpu_delay_p99: 200us",
                     .best_effort = hog_->path(),
                     .knobs = {"cpu_weight: {floor: 10, ceiling: 100, step: 30, hold_down: 2s, "
                               "cooldown: 100ms}",
                               "cpu_max: {floor: 500m, ceiling: max, step: 500m, hold_down: 2s, "
                               "cooldown: 100ms}"}});
    }

    // Every knob file of both cgroups, exactly as the kernel shows it.
    std::map<std::string, std::string> knobs() const { return knobs_->read(); }
    const std::map<std::string, std::string> &originals() const { return knobs_->originals(); }

    std::string weight_file() const {
        return layout_.mode == CgroupMode::V2 ? "cpu.weight" : "cpu.shares";
    }
    bool hog_stepped_down() const {
        return knobs_->read(*hog_, weight_file()) != knobs_->original(*hog_, weight_file());
    }
    void start_victim() {
        victim_->spawn({"taskset", "-c", "0", test::tool_path("wakeloop"), "--sleep-us", "1000",
                        "--work-us", "500"});
    }
    void start_hog() {
        hog_->spawn(
            {"taskset", "-c", "0", "stress-ng", "--cpu", "2", "--timeout", "120s", "--quiet"});
    }
    void stop_hog() {
        for (pid_t pid : hog_->pids())
            ::kill(pid, SIGKILL);
    }
    void expect_victim_untouched() const { knobs_->expect_untouched(*victim_, "the victim"); }
    std::string daemon_log() const { return slurp(config_.log); }
    std::string restore_command() const {
        return test::cgwarden_path() + " restore --state-dir " + config_.state_dir.string() +
               " 2>&1";
    }

    std::unique_ptr<test::TestCgroup> hog_;
    std::unique_ptr<test::TestCgroup> victim_;
    std::unique_ptr<test::KnobFiles> knobs_;
    test::TempDir state_;
    test::EnforcementConfig config_;
};

TEST_F(Enforcement, StepsTheHogDownRelaxesItAndRestoresOnSigterm) {
    start_victim();
    start_hog();
    DaemonProcess daemon(config_.file, config_.log);
    ASSERT_TRUE(daemon.started());

    ASSERT_TRUE(eventually([&] { return hog_stepped_down(); }, 20s))
        << "the hog's weight never went down\n"
        << daemon_log();
    expect_victim_untouched();
    // Logged right after the write the test saw.
    EXPECT_TRUE(
        eventually([&] { return daemon_log().find("rule=slo-breach") != std::string::npos; }, 5s))
        << daemon_log();

    // Hog gone, victim healthy: after the 2 s hold-down, with the node idle,
    // the knobs go straight back to their originals.
    stop_hog();
    EXPECT_TRUE(eventually([&] { return knobs() == originals(); }, 20s))
        << "knobs did not relax back to the originals\n"
        << daemon_log();

    start_hog();
    ASSERT_TRUE(eventually([&] { return hog_stepped_down(); }, 20s)) << daemon_log();
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon_log();
    EXPECT_EQ(knobs(), originals()) << "SIGTERM must restore every knob\n" << daemon_log();
    expect_victim_untouched();
}

// CPU time the cgroup's tasks ran over `window`, as a share of one CPU
// (/proc/PID/schedstat's first field: ns on a CPU).
double cpu_share(const test::TestCgroup &cgroup, std::chrono::milliseconds window) {
    auto ran = [&cgroup] {
        double ns = 0;
        for (pid_t pid : cgroup.pids()) {
            std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/schedstat"));
            double on_cpu = 0;
            in >> on_cpu;
            ns += on_cpu;
        }
        return ns;
    };
    double before = ran();
    std::this_thread::sleep_for(window);
    return (ran() - before) / 1e6 / static_cast<double>(window.count());
}

// Weight 100 -> 90 leaves a victim at weight 25 waiting milliseconds: the
// ladder goes on to cpu.idle, which brings it within its SLO while the hog
// keeps what the victim leaves of the CPU; the quota, a cap that would cost
// the hog and not shorten a wake-up, is never touched.
TEST_F(Enforcement, CpuIdleAfterTheWeightProtectsTheVictimAndTheHogKeepsTheRest) {
    if (!std::filesystem::exists(hog_->dir("cpu") / "cpu.idle"))
        GTEST_SKIP() << "no cpu.idle: the kernel predates 5.15";
    test::KnobFiles idle_files({hog_.get()}, "cpu", {"cpu.idle"});
    test::TempDir state;
    // 3 ms: below the 7-9 ms the weight leaves, and clear of what a VM's
    // timer hiccups add under cpu.idle (CI's VM saw 237 us and 1.31 ms in
    // the window after the step, and rightly reached for the quota).
    test::EnforcementConfig config = test::write_enforcement_config(
        state, {.critical = victim_->path(),
                .slo = "cpu_delay_p99: 3ms",
                .best_effort = hog_->path(),
                .knobs = {"cpu_weight: {floor: 90, ceiling: 100, step: 10, hold_down: 60s, "
                          "cooldown: 100ms}",
                          "cpu_idle: {hold_down: 60s, cooldown: 100ms}",
                          "cpu_max: {floor: 500m, ceiling: max, step: 500m, hold_down: 60s, "
                          "cooldown: 100ms}"}});
    start_victim();
    start_hog();
    DaemonProcess daemon(config.file, config.log);
    ASSERT_TRUE(daemon.started());
    auto log = [&config] { return slurp(config.log); };
    ASSERT_TRUE(eventually([&] { return idle_files.read(*hog_, "cpu.idle") == "1\n"; }, 20s))
        << "the hog never went idle\n"
        << log();
    EXPECT_NE(log().find("knob=cpu_weight 100 -> 90 rule=slo-breach"), std::string::npos)
        << "the weight first\n"
        << log();
    // Healthy from then on: the hog breaches nothing more, and runs on
    // what the victim (a third of the CPU) leaves.
    EXPECT_TRUE(eventually(
        [&] {
            std::string l = log();
            return l.rfind("healthy cgroup=" + victim_->path()) > l.find("knob=cpu_idle 0 -> 1");
        },
        10s))
        << log();
    EXPECT_GT(cpu_share(*hog_, 3000ms), 0.5) << "the hog is not starved";
    EXPECT_EQ(
        knobs_->read(*hog_, layout_.mode == CgroupMode::V2 ? "cpu.max" : "cpu.cfs_quota_us"),
        knobs_->original(*hog_, layout_.mode == CgroupMode::V2 ? "cpu.max" : "cpu.cfs_quota_us"))
        << "the quota was never needed\n"
        << log();
    expect_victim_untouched();

    stop_hog();
    EXPECT_TRUE(eventually(
        [&] { return knobs() == originals() && idle_files.read() == idle_files.originals(); }, 10s))
        << "a stopped hog gets everything back at once\n"
        << log();
    // Logged just after the write the test saw (CI once read the log in between).
    EXPECT_TRUE(
        eventually([&] { return log().find("rule=antagonist-idle") != std::string::npos; }, 5s))
        << log();
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << log();
    EXPECT_EQ(idle_files.read(), idle_files.originals());
}

TEST_F(Enforcement, AfterSigkillRestoreLeavesEveryKnobByteIdentical) {
    start_victim();
    start_hog();
    DaemonProcess daemon(config_.file, config_.log);
    ASSERT_TRUE(daemon.started());
    ASSERT_TRUE(eventually([&] { return hog_stepped_down(); }, 20s)) << daemon_log();
    daemon.stop(SIGKILL);
    ASSERT_NE(knobs(), originals()) << "nothing to restore: the test proves nothing";

    auto restore = test::run_command(restore_command());
    EXPECT_EQ(restore.status, 0) << restore.output;
    EXPECT_EQ(knobs(), originals()) << restore.output;
    auto again = test::run_command(restore_command());
    EXPECT_EQ(again.status, 0) << again.output;
    EXPECT_NE(again.output.find("nothing to restore"), std::string::npos) << again.output;
}

}  // namespace
}  // namespace cgw
