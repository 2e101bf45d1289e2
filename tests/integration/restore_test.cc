// A knob an earlier run left changed that the kernel will not take back (its
// disk detached: the device is gone) must not turn `cgwarden run` into a
// crash loop: the daemon starts, in monitor mode too, says which knob and how
// to deal with it, and keeps it journaled; `cgwarden restore --list` shows
// it, `cgwarden restore` fails on it and keeps it, `--forget` drops it.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>

#include "cgwarden/actuator/journal.h"
#include "command.h"
#include "daemon_process.h"
#include "enforcement_config.h"
#include "process.h"
#include "root_kernel_test.h"
#include "test_cgroup.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::slurp;

class LeftOverRestore : public test::RootKernelTest {
  protected:
    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        cgroup_ = std::make_unique<test::TestCgroup>(layout_, "left-over",
                                                     std::vector<std::string>{"blkio"});
        // A limit on a disk that is no longer there: the kernel refuses any
        // write naming it (ENODEV), so restore cannot succeed.
        bool v1 = layout_.v1.count("blkio") > 0;
        key_ = {
            (cgroup_->dir("blkio") / (v1 ? "blkio.throttle.read_bps_device" : "io.max")).string(),
            kGoneDisk};
        restore_ = v1 ? kGoneDisk + " 0" : kGoneDisk + " rbps=max wbps=max riops=max wiops=max";
        auto journal = Journal::open(state_ / "state");
        ASSERT_TRUE(journal) << journal.error().message;
        ASSERT_TRUE(journal->record_original(key_, restore_));
        ASSERT_TRUE(journal->record_written(key_, kGoneDisk + " 1048576"));
    }

    std::string restore(const std::string &args) {
        return test::cgwarden_path() + " restore --state-dir " + (state_ / "state").string() + " " +
               args + " 2>&1";
    }

    const std::string kGoneDisk = "259:999";
    std::unique_ptr<test::TestCgroup> cgroup_;
    JournalKey key_;
    std::string restore_;
    test::TempDir state_;
};

TEST_F(LeftOverRestore, TheDaemonStartsKeepsItJournaledAndRestoreCanForgetIt) {
    test::EnforcementConfig config = test::write_enforcement_config(
        state_, {.critical = "/cgw-none-critical",
                 .slo = "cpu_delay_p99: 5ms",
                 .best_effort = "/cgw-none-batch",
                 .knobs = {"cpu_weight: {floor: 10, ceiling: 100, step: 30}"}});
    std::string yaml = slurp(config.file);
    yaml = std::regex_replace(yaml, std::regex("mode: enforce"), "mode: monitor");
    std::ofstream(config.file) << yaml;

    test::DaemonProcess daemon(config.file, config.log);
    ASSERT_TRUE(daemon.started());
    ASSERT_TRUE(
        eventually([&] { return slurp(config.log).find("metrics on") != std::string::npos; }, 30s))
        << "the daemon did not start beside a knob it cannot restore\n"
        << slurp(config.log);
    std::string log = slurp(config.log);
    EXPECT_NE(log.find(key_.file), std::string::npos) << log;
    EXPECT_NE(log.find("this run does not touch them"), std::string::npos) << log;
    // The log's advice works while the daemon holds the journal.
    auto listed_live = test::run_command(restore("--list"));
    EXPECT_EQ(listed_live.status, 0) << listed_live.output;
    EXPECT_NE(listed_live.output.find(key_.file), std::string::npos) << listed_live.output;
    std::this_thread::sleep_for(1500ms);
    // It tries again on exit, fails again, and says so in its status.
    EXPECT_EQ(daemon.stop(SIGTERM), 1) << slurp(config.log);

    auto listed = test::run_command(restore("--list"));
    EXPECT_EQ(listed.status, 0) << listed.output;
    EXPECT_NE(listed.output.find(key_.file + " (device " + kGoneDisk + "): restore writes '" +
                                 restore_ + "'; cgwarden last wrote '" + kGoneDisk + " 1048576'"),
              std::string::npos)
        << "kept in the journal\n"
        << listed.output;

    auto failed = test::run_command(restore(""));
    EXPECT_EQ(failed.status, 1) << failed.output;
    EXPECT_NE(failed.output.find("FAILED   " + key_.file), std::string::npos) << failed.output;
    EXPECT_NE(failed.output.find("No such device"), std::string::npos)
        << "the kernel's own refusal\n"
        << failed.output;

    auto wrong = test::run_command(restore("--forget /no/such/file"));
    EXPECT_EQ(wrong.status, 1) << wrong.output;
    auto forgot = test::run_command(restore("--forget " + key_.file + " --device " + kGoneDisk));
    EXPECT_EQ(forgot.status, 0) << forgot.output;
    EXPECT_NE(forgot.output.find("forgot   " + key_.file), std::string::npos) << forgot.output;
    auto again = test::run_command(restore(""));
    EXPECT_EQ(again.status, 0) << again.output;
    EXPECT_NE(again.output.find("nothing to restore"), std::string::npos) << again.output;
}

}  // namespace
}  // namespace cgw
