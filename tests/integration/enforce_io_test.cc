// `cgwarden run` on IO evidence, end to end on the real kernel: a critical
// light reader queued behind a best-effort fio hog on the same disk.
// - On any disk, an IO latency SLO no limit on the hog can meet: the daemon
//   steps the hog's io_max on that disk (v2 io.max, v1
//   blkio.throttle.*_bps_device) down to its floor, never the reader's,
//   judges that the cap does not make the reader healthy and undoes it with
//   its verdict (a cap that cannot protect costs the hog nothing for long);
//   the kernel's own io.stat / blkio counters show the hog running free again.
// - On a disk with a provisioned rate (the VM's), where the hog's queue is
//   what the reader waits behind: a cap just under the disk's rate keeps that
//   queue short, so the daemon steps the hog down from its measured rate
//   until the reader is healthy and stops there, far above the floor; the
//   kernel's counts show the reader served at its own rate again and the
//   hog keeping most of its throughput.
// - On the same disk with io.cost set by the daemon from the policy's model
//   of the disk and QoS target: the kernel keeps the disk's queue short
//   itself, the reader is healthy at its own rate and the hog keeps more
//   than any cap leaves it; on exit the disk's io.cost is off again.
// SIGTERM leaves every IO knob file byte-identical.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
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

// The line of `text` for block device "MAJ:MIN", "" if none.
std::string line_of(const std::string &text, const std::string &device) {
    for (size_t at = 0; at < text.size();) {
        size_t end = text.find('\n', at);
        std::string line = text.substr(at, end - at);
        if (line.rfind(device + " ", 0) == 0)
            return line;
        at = end == std::string::npos ? text.size() : end + 1;
    }
    return "";
}

class IoEnforcement : public test::RootKernelTest {
  protected:
    // The disk the tests of this fixture hammer.
    virtual test::Disk disk() const { return test::Disk::Scratch; }

    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        if (std::string why = test::IoTarget::unavailable(disk()); !why.empty())
            GTEST_SKIP() << why;
        target_ = std::make_unique<test::IoTarget>(disk());
        hog_ = std::make_unique<test::TestCgroup>(layout_, "eio-hog", kControllers);
        reader_ = std::make_unique<test::TestCgroup>(layout_, "eio-reader", kControllers);
        for (const auto *cg : {hog_.get(), reader_.get()})
            test::count_v1_io(layout_, *cg, target_->device());
        knobs_ = std::make_unique<test::KnobFiles>(
            std::vector<const test::TestCgroup *>{hog_.get(), reader_.get()}, "blkio",
            layout_.mode == CgroupMode::V2
                ? std::vector<std::string>{"io.max", "io.weight"}
                : std::vector<std::string>{"blkio.throttle.read_bps_device",
                                           "blkio.throttle.write_bps_device"});
    }

    // The reader is critical with `slo`, the hog best-effort with `knobs`.
    void write_config(const std::string &slo, const std::vector<std::string> &knobs,
                      const std::vector<std::string> &disks = {}) {
        config_ = test::write_enforcement_config(state_, {.critical = reader_->path(),
                                                          .slo = slo,
                                                          .best_effort = hog_->path(),
                                                          .knobs = knobs,
                                                          .disks = disks});
    }

    void start_hog() {
        hog_->spawn(test::fio_command(*target_, (state_ / "hog.json").string(),
                                      {"--rw=randread", "--bs=64k", "--ioengine=libaio",
                                       "--iodepth=32", "--runtime=120", "--time_based"}));
    }

    // The reader's job: a request, then 5 ms of think time, as a client that
    // does not catch up on what it could not do while starved (fio's
    // --rate_iops does, and keeps the disk saturated on its own for seconds
    // after relief).
    std::vector<std::string> reader_job(const std::string &output, const std::string &runtime) {
        return test::fio_command(*target_, (state_ / output).string(),
                                 {"--rw=randread", "--bs=4k", "--ioengine=psync",
                                  "--thinktime=5000", "--runtime=" + runtime, "--time_based"});
    }
    void start_reader() { reader_pid_ = reader_->spawn(reader_job("reader.json", "120")); }
    // The reader's p99 by fio itself over a run of its own of 3 s.
    double reader_p99_by_fio(const std::string &output) {
        EXPECT_EQ(reader_->run(reader_job(output, "3")), 0);
        return test::read_fio_json((state_ / output).string()).read.clat_p99_s;
    }

    // The hog's limit on the test disk, as the kernel shows it.
    std::string hog_limit() const {
        return line_of(knobs_->read(*hog_, knobs_->files().front()), target_->device());
    }

    // The hog's limit is at the floor: 2 MiB/s on the test disk.
    bool hog_at_floor() const {
        return hog_limit().find(std::to_string(2 * 1024 * 1024)) != std::string::npos;
    }

    struct Rates {
        double hog = 0;     // requests per second
        double reader = 0;  // requests per second
    };
    // Requests per second the kernel completed for each on the test disk.
    Rates ops_rates(std::chrono::seconds window) const {
        auto ops = [&](const test::TestCgroup &cg) {
            return static_cast<double>(test::kernel_io_ops(layout_, cg, target_->device()));
        };
        Rates before{ops(*hog_), ops(*reader_)};
        std::this_thread::sleep_for(window);
        double s = static_cast<double>(window.count());
        return {(ops(*hog_) - before.hog) / s, (ops(*reader_) - before.reader) / s};
    }

    std::unique_ptr<test::IoTarget> target_;
    std::unique_ptr<test::TestCgroup> hog_;
    std::unique_ptr<test::TestCgroup> reader_;
    pid_t reader_pid_ = -1;
    std::unique_ptr<test::KnobFiles> knobs_;
    test::TempDir state_;
    test::EnforcementConfig config_;
};

TEST_F(IoEnforcement, ALimitThatCannotMakeTheReaderHealthyIsUndoneWithItsVerdict) {
    // The reader's SLO sits below what the disk gives it even alone, so the
    // breach lasts until the hog is at its floor and after: the test does
    // not depend on this disk's speed.
    write_config("io_latency_p99: 1us", {"io_max: {floor: 2MiB/s, ceiling: max, step: 256MiB/s, "
                                         "hold_down: 60s, cooldown: 100ms}"});
    start_hog();
    start_reader();
    std::this_thread::sleep_for(1s);
    double hog_unmanaged = ops_rates(3s).hog;

    test::DaemonProcess daemon(config_.file, config_.log);
    ASSERT_TRUE(daemon.started());
    ASSERT_TRUE(eventually([&] { return hog_at_floor(); }, 40s))
        << "the hog's " << knobs_->files().front() << " never reached the floor: '" << hog_limit()
        << "'\n"
        << slurp(config_.log);
    // The decision is logged just after the write: wait for both.
    ASSERT_TRUE(eventually(
        [&] {
            return knobs_->read() == knobs_->originals() &&
                   slurp(config_.log).find("rule=no-effect") != std::string::npos;
        },
        10s))
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
    double hog_after = ops_rates(3s).hog;
    std::printf("hog %.0f ops/s unmanaged, %.0f after the undo\n", hog_unmanaged, hog_after);
    EXPECT_GT(hog_after, hog_unmanaged / 2);
    EXPECT_EQ(knobs_->read(), knobs_->originals()) << slurp(config_.log);

    EXPECT_EQ(daemon.stop(SIGTERM), 0) << slurp(config_.log);
    EXPECT_EQ(knobs_->read(), knobs_->originals()) << "SIGTERM must restore every IO knob\n"
                                                   << slurp(config_.log);
}

class RatedDiskIoEnforcement : public IoEnforcement {
  protected:
    test::Disk disk() const override { return test::Disk::Rated; }

    // The reader's SLO is 12 ms: alone its requests take ~4 ms in the VM
    // (emulation), behind the hog's queue ~35 ms. The hog's knobs step 1/8
    // of its ~60 MiB/s at a time.
    void write_config(const std::vector<std::string> &disks = {}) {
        IoEnforcement::write_config(
            "io_latency_p99: 12ms",
            {"io_weight: {floor: 10, ceiling: 100, step: 30, hold_down: 60s, cooldown: 100ms}",
             "io_max: {floor: 2MiB/s, ceiling: max, step: 8MiB/s, hold_down: 60s, cooldown: "
             "100ms}"},
            disks);
    }

    struct Baseline {
        double alone_p99_s = 0;  // by fio, a run of its own
        Rates alone;
        Rates unmanaged;
    };
    // The reader alone, then the reader and the hog without cgwarden; both
    // keep running.
    Baseline start_contention() {
        Baseline b;
        b.alone_p99_s = reader_p99_by_fio("alone.json");
        start_reader();
        std::this_thread::sleep_for(1s);
        b.alone = ops_rates(3s);
        start_hog();
        std::this_thread::sleep_for(1s);
        b.unmanaged = ops_rates(3s);
        EXPECT_LT(b.unmanaged.reader, b.alone.reader * 0.5)
            << "the reader was not slowed by the hog (" << b.unmanaged.reader
            << " requests/s against " << b.alone.reader << " alone): this disk is no bottleneck";
        return b;
    }

    // Under the protection `how`: the reader is served near its own rate and
    // a fresh client of its kind, measured by fio, is within the SLO; the
    // hog keeps more than `hog_kept` of its unmanaged rate.
    void expect_protected(const Baseline &b, const std::string &how, double hog_kept) {
        Rates managed = ops_rates(4s);
        ::kill(reader_pid_, SIGKILL);
        double managed_p99 = reader_p99_by_fio("managed.json");
        std::string log = slurp(config_.log);
        std::printf(
            "reader %.0f requests/s alone, %.0f unmanaged, %.0f %s; fio p99 %.1f ms alone, "
            "%.1f ms %s\nhog %.0f requests/s unmanaged, %.0f %s, its limit '%s'\n",
            b.alone.reader, b.unmanaged.reader, managed.reader, how.c_str(), b.alone_p99_s * 1e3,
            managed_p99 * 1e3, how.c_str(), b.unmanaged.hog, managed.hog, how.c_str(),
            hog_limit().c_str());
        EXPECT_GT(managed.reader, b.alone.reader * 0.8)
            << "the reader is served near its own rate\n"
            << log;
        // fio's clat includes the VM's own scheduling, which varies by boot
        // (alone 4 ms in most, 8.3 ms in one CI boot, and 17.7 ms under the
        // cap there, while the daemon's device-side p99 held the 12 ms SLO):
        // the SLO, or 2.5x what the reader had alone in this boot.
        double limit = std::max(0.012, 2.5 * b.alone_p99_s);
        EXPECT_LE(managed_p99, limit) << "within the SLO, or 2.5x alone, by fio's own count\n"
                                      << log;
        EXPECT_GT(managed.hog, b.unmanaged.hog * hog_kept)
            << "the hog keeps more than " << hog_kept * 100 << "%\n"
            << log;
    }
};

TEST_F(RatedDiskIoEnforcement, ACapUnderTheDiskRateMakesTheReaderHealthyAndTheHogKeepsMost) {
    // The weight comes first on the ladder, but nothing reads it on this
    // disk (no io.cost there): the daemon goes straight to io_max.
    write_config();
    Baseline baseline = start_contention();
    ASSERT_FALSE(HasFailure());

    test::DaemonProcess daemon(config_.file, config_.log);
    ASSERT_TRUE(daemon.started());
    ASSERT_TRUE(eventually(
        [&] { return slurp(config_.log).find(" helped " + reader_->path()) != std::string::npos; },
        60s))
        << "the hog's io_max never made the reader healthy: '" << hog_limit() << "'\n"
        << slurp(config_.log);
    std::this_thread::sleep_for(1s);
    expect_protected(baseline, "under the cap", 0.5);  // the goal: at least half
    std::string log = slurp(config_.log);
    EXPECT_FALSE(hog_at_floor()) << hog_limit();
    EXPECT_EQ(log.find("rule=no-effect"), std::string::npos) << log;
    EXPECT_NE(log.find("io_weight does nothing on " + target_->device()), std::string::npos) << log;
    EXPECT_EQ(log.find("knob=io_weight"), std::string::npos) << log;
    knobs_->expect_untouched(*reader_, "the reader");

    EXPECT_EQ(daemon.stop(SIGTERM), 0) << log;
    EXPECT_EQ(knobs_->read(), knobs_->originals()) << "SIGTERM must restore every IO knob\n"
                                                   << slurp(config_.log);
}

// The device's line of a root file (io.cost.qos, io.cost.model), "" if none.
std::string device_line(const std::filesystem::path &file, const std::string &device) {
    return line_of(slurp(file), device);
}

TEST_F(RatedDiskIoEnforcement, IoCostFromThePolicyKeepsTheReaderHealthyAndTheHogMost) {
    // The rated disk is the VM's (pure v2): there only a kernel built without
    // io.cost lacks this file.
    if (!layout_.unified || !std::filesystem::exists(*layout_.unified / "io.cost.qos"))
        GTEST_SKIP() << (layout_.v1.count("blkio")
                             ? "io.cost is cgroup v2's: this node binds the io controller to "
                               "cgroup v1 (blkio)"
                             : "this kernel has no io.cost (CONFIG_BLK_CGROUP_IOCOST unset): no "
                               "io.cost.qos in the cgroup v2 root");
    // The disk is provisioned at 1000 requests/s of any size (the VM's
    // throttle): that is the model. QoS: 95% of reads within 10 ms.
    std::filesystem::path qos = *layout_.unified / "io.cost.qos";
    std::filesystem::path model = *layout_.unified / "io.cost.model";
    std::string device = target_->device();
    std::string qos_before = device_line(qos, device);
    write_config({"{device: '" + device +
                  "', io_cost: {model: 'rbps=1000000000 rseqiops=1000 rrandiops=1000 "
                  "wbps=1000000000 wseqiops=1000 wrandiops=1000', qos: 'rpct=95 rlat=10000 "
                  "wpct=95 wlat=10000 max=100'}}"});
    Baseline baseline = start_contention();
    ASSERT_FALSE(HasFailure());

    test::DaemonProcess daemon(config_.file, config_.log);
    ASSERT_TRUE(daemon.started());
    ASSERT_TRUE(eventually(
        [&] { return slurp(config_.log).find("disks: io.cost on " + device) != std::string::npos; },
        10s))
        << slurp(config_.log);
    std::string qos_set = device_line(qos, device);
    EXPECT_NE(qos_set.find("enable=1 ctrl=user rpct=95.00 rlat=10000"), std::string::npos)
        << qos_set;
    EXPECT_NE(device_line(model, device)
                  .find("ctrl=user model=linear rbps=1000000000 "
                        "rseqiops=1000 rrandiops=1000"),
              std::string::npos);
    std::this_thread::sleep_for(3s);
    // More than the cap leaves it (~50%, the test above).
    expect_protected(baseline, "with io.cost", 0.6);
    std::string log = slurp(config_.log);
    knobs_->expect_untouched(*reader_, "the reader");

    EXPECT_EQ(daemon.stop(SIGTERM), 0) << log;
    std::string qos_after = device_line(qos, device);
    if (qos_before.empty()) {
        // io.cost was never set up on the disk: it now has a line, off and
        // under the kernel's own control.
        EXPECT_NE(qos_after.find(device + " enable=0 ctrl=auto"), std::string::npos) << qos_after;
    } else {
        EXPECT_EQ(qos_after, qos_before);
    }
    EXPECT_NE(device_line(model, device).find(" ctrl=auto "), std::string::npos);
    EXPECT_EQ(knobs_->read(), knobs_->originals()) << "SIGTERM must restore every IO knob\n"
                                                   << slurp(config_.log);
}

}  // namespace
}  // namespace cgw
