// `cgwarden run` on IO evidence, end to end on the real kernel: a critical
// light reader queued behind a best-effort fio hog on the same disk breaches
// an IO latency SLO no limit on the hog can meet; the daemon steps the hog's
// io_max on that disk (v2 io.max, v1 blkio.throttle.*_bps_device) down to
// its floor, never the reader's, judges that the cap does not make the
// reader healthy and undoes it with its verdict (a cap that cannot protect
// costs the hog nothing for long); the kernel's own io.stat / blkio
// counters show the hog running free again; SIGTERM leaves every IO knob
// file byte-identical.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "block_io.h"
#include "cgwarden/cgroup/layout.h"
#include "daemon_process.h"
#include "enforcement_config.h"
#include "knob_files.h"
#include "process.h"
#include "root_kernel_test.h"
#include "test_cgroup.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::slurp;

const std::vector<std::string> kControllers = {"cpu", "cpuacct", "blkio"};

class IoEnforcement : public test::RootKernelTest {
  protected:
    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        target_ = std::make_unique<test::IoTarget>();
        hog_ = std::make_unique<test::TestCgroup>(layout_, "eio-hog", kControllers);
        reader_ = std::make_unique<test::TestCgroup>(layout_, "eio-reader", kControllers);
        for (const auto *cg : {hog_.get(), reader_.get()})
            test::count_v1_io(layout_, *cg, target_->device());
        knobs_ = std::make_unique<test::KnobFiles>(
            std::vector<const test::TestCgroup *>{hog_.get(), reader_.get()}, "blkio",
            layout_.mode == CgroupMode::V2
                ? std::vector<std::string>{"io.max"}
                : std::vector<std::string>{"blkio.throttle.read_bps_device",
                                           "blkio.throttle.write_bps_device"});

        // The reader's SLO sits below what the disk gives it even alone, so
        // the breach lasts until the hog is at its floor and after: the test
        // does not depend on this disk's speed.
        config_ = test::write_enforcement_config(
            state_, {.critical = reader_->path(),
                     .slo = "io_latency_p99: 1us",
                     .best_effort = hog_->path(),
                     .knobs = {"io_max: {floor: 2MiB/s, ceiling: max, step: 256MiB/s, hold_down: "
                               "60s, cooldown: 100ms}"}});
    }

    // The hog's limit on the test disk, as the kernel shows it.
    std::string hog_limit() const {
        std::string text = knobs_->read(*hog_, knobs_->files().front());
        for (size_t at = 0; at < text.size();) {
            size_t end = text.find('\n', at);
            std::string line = text.substr(at, end - at);
            if (line.rfind(target_->device() + " ", 0) == 0)
                return line;
            at = end == std::string::npos ? text.size() : end + 1;
        }
        return "";
    }

    // The hog's limit is at the floor: 2 MiB/s on the test disk.
    bool hog_at_floor() const {
        return hog_limit().find(std::to_string(2 * 1024 * 1024)) != std::string::npos;
    }

    // Requests per second the kernel completed for the cgroup on the test disk.
    double ops_rate(const test::TestCgroup &cg, std::chrono::seconds window) const {
        uint64_t before = test::kernel_io_ops(layout_, cg, target_->device());
        std::this_thread::sleep_for(window);
        uint64_t after = test::kernel_io_ops(layout_, cg, target_->device());
        return static_cast<double>(after - before) / static_cast<double>(window.count());
    }

    std::unique_ptr<test::IoTarget> target_;
    std::unique_ptr<test::TestCgroup> hog_;
    std::unique_ptr<test::TestCgroup> reader_;
    std::unique_ptr<test::KnobFiles> knobs_;
    test::TempDir state_;
    test::EnforcementConfig config_;
};

TEST_F(IoEnforcement, ALimitThatCannotMakeTheReaderHealthyIsUndoneWithItsVerdict) {
    std::string hog_out = (state_ / "hog.json").string();
    std::string reader_out = (state_ / "reader.json").string();
    hog_->spawn(test::fio_command(*target_, hog_out,
                                  {"--rw=randread", "--bs=64k", "--ioengine=libaio", "--iodepth=32",
                                   "--runtime=120", "--time_based"}));
    reader_->spawn(test::fio_command(
        *target_, reader_out,
        {"--rw=randread", "--bs=4k", "--ioengine=psync", "--runtime=120", "--time_based"}));
    std::this_thread::sleep_for(1s);
    double hog_unmanaged = ops_rate(*hog_, 3s);

    test::DaemonProcess daemon(config_.file, config_.log);
    ASSERT_TRUE(daemon.started());
    ASSERT_TRUE(eventually([&] { return hog_at_floor(); }, 40s))
        << "the hog's " << knobs_->files().front() << " never reached the floor: '" << hog_limit()
        << "'\n"
        << slurp(config_.log);
    ASSERT_TRUE(eventually([&] { return knobs_->read() == knobs_->originals(); }, 10s))
        << "a limit at its floor that leaves the reader breaching is undone\n"
        << slurp(config_.log);
    std::string log = slurp(config_.log);
    EXPECT_NE(log.find("breach cgroup=" + reader_->path() + " io_latency_p99="), std::string::npos)
        << log;
    EXPECT_NE(log.find("knob=io_max device=" + target_->device()), std::string::npos) << log;
    EXPECT_NE(log.find("rule=no-effect"), std::string::npos) << log;
    EXPECT_NE(
        log.find(reader_->path() + " cannot be protected from it with the knobs this node has"),
        std::string::npos)
        << log;
    knobs_->expect_untouched(*reader_, "the reader");

    // Not tried again for that reader: the hog runs free.
    double hog_after = ops_rate(*hog_, 3s);
    std::printf("hog %.0f ops/s unmanaged, %.0f after the undo\n", hog_unmanaged, hog_after);
    EXPECT_GT(hog_after, hog_unmanaged / 2);
    EXPECT_EQ(knobs_->read(), knobs_->originals()) << slurp(config_.log);

    EXPECT_EQ(daemon.stop(SIGTERM), 0) << slurp(config_.log);
    EXPECT_EQ(knobs_->read(), knobs_->originals()) << "SIGTERM must restore every IO knob\n"
                                                   << slurp(config_.log);
}

}  // namespace
}  // namespace cgw
