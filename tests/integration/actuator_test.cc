// The actuator on the real kernel's cgroups (v1 cpu.shares/cfs_quota_us on
// hybrid hosts, v2 cpu.weight/cpu.max in the VM): values land in the kernel's
// files, a refused write is reported and not journaled as written, and after
// a SIGKILL anywhere in a write sequence `cgwarden restore` puts every file
// back byte for byte.
#include <gtest/gtest.h>

#include <cerrno>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <thread>

#include "cgwarden/actuator/knob_codec.h"
#include "cgwarden/actuator/knob_io.h"
#include "cgwarden/actuator/restore.h"
#include "cgwarden/common/file.h"
#include "root_kernel_test.h"
#include "test_cgroup.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using test::TestCgroup;

class Actuator : public test::RootKernelTest {
  protected:
    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        cgroup_ =
            std::make_unique<TestCgroup>(layout_, "actuator", std::vector<std::string>{"cpu"});
        state_dir_ = std::filesystem::temp_directory_path() /
                     ("cgw-test-state-" + std::to_string(::getpid()));
        std::filesystem::remove_all(state_dir_);
        for (Knob knob : {Knob::CpuWeight, Knob::CpuMax}) {
            auto codec = knob_codec(layout_, knob);
            ASSERT_TRUE(codec) << codec.error().message;
            for (const KnobFile &f : codec->files)
                files_.push_back(cgroup_->dir("cpu") / f.name);
        }
        originals_ = contents();
    }
    void TearDown() override {
        cgroup_.reset();
        std::filesystem::remove_all(state_dir_);
    }

    std::map<std::filesystem::path, std::string> contents() const {
        std::map<std::filesystem::path, std::string> out;
        for (const auto &f : files_)
            out[f] = *read_file(f);
        return out;
    }
    KnobTarget target(Knob knob) const { return {cgroup_->path(), knob, ""}; }
    Journal open_journal() const {
        auto j = Journal::open(state_dir_);
        if (!j)
            throw std::runtime_error(j.error().message);
        return std::move(j).value();
    }
    bool v1() const { return layout_.v1.count("cpu") > 0; }

    std::unique_ptr<TestCgroup> cgroup_;
    std::filesystem::path state_dir_;
    std::vector<std::filesystem::path> files_;
    std::map<std::filesystem::path, std::string> originals_;
};

TEST_F(Actuator, WritesCpuWeightAndMaxInTheKernelsUnits) {
    Journal journal = open_journal();
    KnobIo io(layout_, journal);
    ASSERT_TRUE(io.write(target(Knob::CpuWeight), 50)) << "cpu weight";
    auto max = io.write(target(Knob::CpuMax), 0.5);
    ASSERT_TRUE(max) << max.error().message;
    auto dir = cgroup_->dir("cpu");
    if (v1()) {
        EXPECT_EQ(*read_file(dir / "cpu.shares"), "512\n");
        EXPECT_EQ(*read_file(dir / "cpu.cfs_quota_us"),
                  std::to_string(std::stol(*read_file(dir / "cpu.cfs_period_us")) / 2) + "\n");
    } else {
        EXPECT_EQ(*read_file(dir / "cpu.weight"), "50\n");
        EXPECT_EQ(*read_file(dir / "cpu.max"), "50000 100000\n");
    }
    EXPECT_DOUBLE_EQ(*io.read(target(Knob::CpuWeight)), 50);
    EXPECT_DOUBLE_EQ(*io.read(target(Knob::CpuMax)), 0.5);
    EXPECT_FALSE(*io.changed_externally(target(Knob::CpuWeight)))
        << "what the kernel shows after our write is what we journaled";

    RestoreReport report = restore_all(journal, layout_);
    EXPECT_TRUE(report.ok());
    EXPECT_EQ(contents(), originals_);
    EXPECT_TRUE(std::isinf(*io.read(target(Knob::CpuMax))));
}

TEST_F(Actuator, AWriteTheKernelRefusesIsReportedAndNotJournaledAsWritten) {
    Journal journal = open_journal();
    KnobIo io(layout_, journal);
    // A quota above the kernel's largest CFS runtime (about 2^44 us): EINVAL.
    auto refused = io.write(target(Knob::CpuMax), 1e9);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, EINVAL) << "the errno, not only its words";
    const std::string &message = refused.error().message;
    EXPECT_NE(message.find("setting cpu_max of cgroup " + cgroup_->path()), std::string::npos)
        << message;
    EXPECT_NE(message.find("Invalid argument (the kernel refused the value"), std::string::npos)
        << message;
    auto quota_file = cgroup_->dir("cpu") / (v1() ? "cpu.cfs_quota_us" : "cpu.max");
    const JournalEntry *entry = journal.find({quota_file.string(), ""});
    ASSERT_NE(entry, nullptr) << "the original is journaled before the attempt";
    EXPECT_FALSE(entry->written);
    EXPECT_FALSE(*io.changed_externally(target(Knob::CpuMax)));
    EXPECT_TRUE(restore_all(journal, layout_).ok());
    EXPECT_EQ(contents(), originals_);
}

// cpu.idle: the kernel sets the group's weight to its minimum while it is
// set, refuses weight writes then, and resets the weight to the default
// when it is cleared. When cgwarden clears idle the weight it had just
// before comes back (an operator's, or a weight cgwarden lowered), and
// restore puts both back whichever was moved first.
TEST_F(Actuator, CpuIdleAndTheWeightItOverridesComeBackInEitherOrder) {
    auto dir = cgroup_->dir("cpu");
    if (!std::filesystem::exists(dir / "cpu.idle"))
        GTEST_SKIP() << "no cpu.idle: the kernel predates 5.15";
    std::string weight_file = v1() ? "cpu.shares" : "cpu.weight";
    ASSERT_TRUE(write_file(dir / weight_file, v1() ? "256" : "25"));  // an operator's
    std::string weight_before = *read_file(dir / weight_file);
    ASSERT_EQ(weight_before, v1() ? "256\n" : "25\n");
    for (bool weight_first : {true, false}) {
        SCOPED_TRACE(weight_first ? "weight lowered first" : "idle only");
        Journal journal = open_journal();
        KnobIo io(layout_, journal);
        if (weight_first)
            ASSERT_TRUE(io.write(target(Knob::CpuWeight), 10));
        std::string weight_set = *read_file(dir / weight_file);
        for (int round = 0; round < 2; ++round) {
            auto idle = io.write(target(Knob::CpuIdle), 1);
            ASSERT_TRUE(idle) << idle.error().message;
            EXPECT_EQ(*read_file(dir / "cpu.idle"), "1\n");
            EXPECT_EQ(*io.read(target(Knob::CpuIdle)), 1);
            EXPECT_LT(*io.read(target(Knob::CpuWeight)), 1) << "the kernel's minimum while idle";
            EXPECT_FALSE(*io.changed_externally(target(Knob::CpuWeight)))
                << "the weight the kernel set is journaled as ours";
            if (round == 1)
                break;  // left idle for restore
            auto cleared = io.write(target(Knob::CpuIdle), 0);
            ASSERT_TRUE(cleared) << cleared.error().message;
            EXPECT_EQ(*read_file(dir / weight_file), weight_set)
                << "not the kernel's default: the weight it had just before";
            EXPECT_FALSE(*io.changed_externally(target(Knob::CpuWeight)));
        }
        RestoreReport report = restore_all(journal, layout_);
        EXPECT_TRUE(report.ok()) << (report.outcomes.empty() ? "" : report.outcomes[0].error);
        EXPECT_EQ(*read_file(dir / "cpu.idle"), "0\n");
        EXPECT_EQ(*read_file(dir / weight_file), weight_before);
    }
}

// A child turns the knobs in a loop until it is killed with SIGKILL, at a
// different moment each round; `cgwarden restore` must then put every
// file back exactly.
TEST_F(Actuator, RestoreAfterSigkillAnywhereInAWriteSequence) {
    for (auto delay : {0us, 150us, 700us, 2000us, 5000us, 13000us}) {
        int ready[2];
        ASSERT_EQ(::pipe(ready), 0);
        pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(ready[0]);
            auto journal = Journal::open(state_dir_);
            if (!journal)
                ::_exit(2);
            KnobIo io(layout_, *journal);
            for (int i = 0;; ++i) {
                if (!io.write(target(Knob::CpuWeight), 10 + i % 90) ||
                    !io.write(target(Knob::CpuMax), 0.1 + (i % 7) * 0.1))
                    ::_exit(3);
                if (i == 0 && ::write(ready[1], "x", 1) != 1)
                    ::_exit(4);
            }
        }
        ::close(ready[1]);
        char byte;
        ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the child wrote nothing";
        ::close(ready[0]);
        std::this_thread::sleep_for(delay);
        ::kill(child, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status)) << "the child stopped by itself, status " << status;

        std::string cmd = test::cgwarden_path() + " restore --state-dir " + state_dir_.string();
        auto restore = test::run_command(cmd);
        ASSERT_EQ(restore.status, 0) << cmd << "\n" << restore.output;
        EXPECT_NE(restore.output.find("restored " + files_.front().string()), std::string::npos)
            << restore.output;
        EXPECT_EQ(contents(), originals_) << "after a kill " << delay.count() << "us in";
        auto again = test::run_command(cmd);
        ASSERT_EQ(again.status, 0) << again.output;
        EXPECT_NE(again.output.find("nothing to restore"), std::string::npos) << again.output;
    }
}

}  // namespace
}  // namespace cgw
