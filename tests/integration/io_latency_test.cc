// IO sensor on the real kernel, against independent measurements: fio's own
// count and latency of its IOs, and the kernel's per-cgroup IO counters
// (io.stat on v2, blkio.throttle.io_serviced on v1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "block_io.h"
#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/sensor/io_sensor.h"
#include "cgwarden/signals/io_signals.h"
#include "cgwarden/snapshot/report.h"
#include "root_kernel_test.h"
#include "snapshot_cli.h"
#include "test_cgroup.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using test::TestCgroup;

const std::vector<std::string> kControllers = {"cpu", "cpuacct", "blkio"};

const nlohmann::json &device_entry(const nlohmann::json &io, const std::string &device) {
    for (const auto &d : io["devices"])
        if (d["device"] == device)
            return d;
    throw std::runtime_error("no device " + device + " in " + io.dump());
}

std::string temp_path(const std::string &name) {
    return "/tmp/cgw-test-" + std::to_string(::getpid()) + "-" + name;
}

class IoTest : public test::RootKernelTest {
  protected:
    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        auto mode = features_.io_attach_mode();
        if (!mode)
            GTEST_SKIP() << "this kernel cannot run the IO programs: " << mode.error().message;
        auto mount = io_cgroup_mount(layout_, io_attribution(features_));
        ASSERT_TRUE(mount) << "no hierarchy for IO cgroups";
        io_mount_ = *mount;
    }

    std::unique_ptr<IoSensor> open_sensor(const IoSensorOptions &options, AttachMode mode) {
        auto sensor = IoSensor::open(features_, options, mode);
        if (!sensor)
            ADD_FAILURE() << sensor.error().message;
        return sensor ? std::move(sensor).value() : nullptr;
    }

    static IoCounters read(const IoSensor &sensor) {
        auto counters = sensor.read();
        if (!counters)
            throw std::runtime_error(counters.error().message);
        return std::move(counters).value();
    }

    // The snapshot JSON of one window, for the listed cgroups.
    nlohmann::json io_json(const IoCounters &before, const IoCounters &after,
                           const std::vector<std::string> &paths, AttachMode mode) {
        CpuCgroupTree cpu_tree(*layout_.mount_for("cpu"));
        IoCgroupTree io_tree(io_mount_);
        Signals window;
        window.io = compute_io_signals(before, after);
        const PassModel model(window,
                              {.cpu = &cpu_tree.paths_by_id(), .io = &io_tree.paths_by_id()});
        SnapshotReport report = build_snapshot_report(model, layout_.mode, mode, cpu_tree, paths);
        add_io_report(report, IoSummary{}, model, {}, io_tree, cpu_tree, paths,
                      [](const std::string &) { return std::string("disk"); });
        return to_json(report);
    }

    std::filesystem::path io_mount_;
};

struct FioCase {
    AttachMode mode;
    const char *rw;
};

class IoMatchesFio : public IoTest, public ::testing::WithParamInterface<FioCase> {
  protected:
    void SetUp() override {
        IoTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        if (GetParam().mode == AttachMode::TpBtf && !features_.tp_btf)
            GTEST_SKIP() << "this kernel loads no tp_btf program; the raw_tp variant covers it";
    }
};

// Under qemu's TCG (the VM tests) the kernel code around each request is
// emulated, and slow: see the p50 check below.
bool under_tcg() {
    return std::getenv("CGWARDEN_VM") != nullptr;
}

// One fio job at queue depth 1 in a fresh cgroup, inside one sensor window,
// with psync: its clat is the whole pread/pwrite, so the device latency
// cgwarden measures (issue -> completion) lies inside it, short by the
// syscall's own work before the issue and after the completion. An async
// engine's clat starts when io_submit returns, and on a virtio disk the
// submitting syscall also notifies the device after the request was issued:
// seen on a virtualized host, libaio's clat p50 was 37 us against 53 us of
// device time (and 60 us of whole-IO latency). With 128 KiB blocks the
// syscall's own work is a small part of the IO, so cgwarden's p50 is within
// 25% of fio's (on ext4 a direct write also completes through the file
// system's workqueue: ~10 us fio counts and the device does not). Under TCG
// the emulated kernel code around the request is a third (reads) to two
// thirds (writes) of it, varying with the host's load: there the p50 must
// lie between a quarter of fio's and fio's own.
TEST_P(IoMatchesFio, OpsAndDeviceLatency) {
    constexpr uint64_t kBlockBytes = 128 * 1024;
    const FioCase &c = GetParam();
    test::IoTarget target;
    TestCgroup cgroup(layout_, std::string("fio-") + c.rw, kControllers);
    test::count_v1_io(layout_, cgroup, target.device());
    auto sensor = open_sensor({}, c.mode);
    ASSERT_TRUE(sensor);

    std::string output = temp_path("fio.json");
    uint64_t truth_before = test::kernel_io_ops(layout_, cgroup, target.device());
    IoCounters before = read(*sensor);
    int status = cgroup.run(
        test::fio_command(target, output,
                          {std::string("--rw=") + c.rw, "--bs=" + std::to_string(kBlockBytes),
                           "--ioengine=psync", "--runtime=2", "--time_based"}));
    IoCounters after = read(*sensor);
    uint64_t truth = test::kernel_io_ops(layout_, cgroup, target.device()) - truth_before;
    ASSERT_EQ(status, 0) << "fio failed";
    test::FioResult fio = test::read_fio_json(output);
    std::remove(output.c_str());
    const test::FioDirection &dir = fio.read.total_ios ? fio.read : fio.write;

    auto json = io_json(before, after, {cgroup.path()}, c.mode);
    const auto &io = test::cgroup_entry(json, cgroup.path())["io"];
    const auto &dev = device_entry(io, target.device());
    double ops = dev["ops"].get<double>();
    double p50 = dev["latency_p50_s"].get<double>();
    double fio_ops = static_cast<double>(fio.total_ios());
    std::string context = "fio: " + std::to_string(fio.total_ios()) + " IOs, clat p50 " +
                          std::to_string(dir.clat_p50_s) + " s, lat p50 " +
                          std::to_string(dir.lat_p50_s) + " s; kernel counted " +
                          std::to_string(truth) + "\n" + json.dump(2);
    std::printf(
        "agreement: ops %.0f, fio %.0f, kernel %lu; p50 %.1f us, fio clat p50 %.1f us, "
        "lat p50 %.1f us\n",
        ops, fio_ops, static_cast<unsigned long>(truth), p50 * 1e6, dir.clat_p50_s * 1e6,
        dir.lat_p50_s * 1e6);
    ASSERT_GT(fio_ops, 100.0) << context;
    EXPECT_NEAR(ops, fio_ops, 0.02 * fio_ops) << context;
    EXPECT_NEAR(ops, static_cast<double>(truth), 0.02 * static_cast<double>(truth)) << context;
    EXPECT_EQ(io["ops"], dev["ops"]) << "all of it on the one device";
    // fio's own few metadata requests (file open, extent lookups, a journal
    // flush) are smaller requests of the same cgroup on the same disk, and
    // not always of fio's direction.
    EXPECT_NEAR(io[fio.read.total_ios ? "read_ops" : "write_ops"].get<double>(), fio_ops,
                0.02 * fio_ops)
        << context;
    EXPECT_NEAR(static_cast<double>(dev["bytes"].get<uint64_t>()),
                ops * static_cast<double>(kBlockBytes),
                0.01 * ops * static_cast<double>(kBlockBytes));

    if (under_tcg()) {
        EXPECT_GT(p50, 0.25 * dir.clat_p50_s) << context;
    } else {
        EXPECT_NEAR(p50, dir.clat_p50_s, 0.25 * dir.clat_p50_s) << context;
    }
    // A bucket is at most 25% wide: the interpolated p50 can sit that far
    // above the true one, which is below fio's whole-IO p50.
    EXPECT_LE(p50, 1.25 * dir.lat_p50_s) << context;
    EXPECT_LE(dev["latency_p99_s"].get<double>(), io["latency_max_s"].get<double>());
    EXPECT_GE(dev["latency_p99_s"].get<double>(), p50);
}

INSTANTIATE_TEST_SUITE_P(AttachModes, IoMatchesFio,
                         ::testing::Values(FioCase{AttachMode::TpBtf, "randread"},
                                           FioCase{AttachMode::TpBtf, "randwrite"},
                                           FioCase{AttachMode::RawTp, "randread"},
                                           FioCase{AttachMode::RawTp, "randwrite"}),
                         [](const auto &param) {
                             return std::string(to_string(param.param.mode)) + "_" + param.param.rw;
                         });

// Every request over the threshold reaches user space; over the rate limit
// they are counted, never silently lost.
TEST_F(IoTest, OutliersReachUserSpaceOrAreCounted) {
    test::IoTarget target;
    TestCgroup cgroup(layout_, "outliers", kControllers);
    auto io_id = IoCgroupTree(io_mount_).id_of(cgroup.path());
    ASSERT_TRUE(io_id);
    const std::vector<std::string> job = {"--rw=randread", "--bs=4k", "--ioengine=psync",
                                          "--number_ios=1500"};
    std::string output = temp_path("outliers.json");

    for (uint32_t limit : {1u << 30, 10u}) {
        SCOPED_TRACE("limit " + std::to_string(limit) + " per CPU and second");
        // Threshold 0: every request is an outlier.
        auto sensor = open_sensor({.outlier_threshold_ns = 0, .outlier_limit_per_cpu_s = limit},
                                  *features_.io_attach_mode());
        ASSERT_TRUE(sensor);
        std::atomic<uint64_t> mine{0};
        auto stream = sensor->outliers([&](const IoOutlier &o) {
            if (o.cgroup == *io_id)
                ++mine;
        });
        ASSERT_TRUE(stream) << stream.error().message;
        std::atomic<bool> done{false};
        std::thread poller([&] {
            while (!done)
                (void)(*stream)->poll(std::chrono::milliseconds(10));
            (void)(*stream)->consume();
        });
        IoCounters before = read(*sensor);
        int status = cgroup.run(test::fio_command(target, output, job));
        IoCounters after = read(*sensor);
        done = true;
        poller.join();
        ASSERT_EQ(status, 0);

        IoSignals s = compute_io_signals(before, after);
        uint64_t ops = s.by_cgroup[*io_id].ops;
        uint64_t limited = s.drops[CGW_IO_DROP_OUTLIER_RATE_LIMITED];
        EXPECT_EQ(s.drops[CGW_IO_DROP_OUTLIER_RING_FULL], 0u);
        // fio's 1500 reads, less a few: on the 6.18 host under CPU load the
        // completion program runs for up to ~4% fewer requests than
        // block_rq_complete fires (perf counts every one; the program's
        // run_cnt is short and it has no recursion misses). What is counted
        // must still all be delivered or counted as dropped, below.
        EXPECT_GE(ops, 1500u * 95 / 100);
        if (limit > 1'000'000) {
            EXPECT_EQ(mine.load(), ops);
            EXPECT_EQ(limited, 0u);
        } else {
            EXPECT_LT(mine.load(), ops);
            EXPECT_GT(limited, 0u);
            // Every outlier of the node was either delivered or counted.
            uint64_t all_ops = 0;
            for (const auto &[id, c] : s.by_cgroup)
                all_ops += c.ops;
            EXPECT_GE(mine.load() + limited, ops);
            EXPECT_LE(limited, all_ops);
        }
    }
    std::remove(output.c_str());
}

// The command line, end to end: a light reader on the same device as a
// deep-queue hog finds the hog's requests ahead of its own.
TEST_F(IoTest, SnapshotNamesTheHogTheLightReaderQueuedBehind) {
    test::IoTarget target;
    TestCgroup hog(layout_, "io-hog", kControllers);
    TestCgroup light(layout_, "io-light", kControllers);
    std::string hog_out = temp_path("hog.json");
    std::string light_out = temp_path("light.json");
    hog.spawn(test::fio_command(target, hog_out,
                                {"--rw=randread", "--bs=4k", "--ioengine=libaio", "--iodepth=32",
                                 "--runtime=60", "--time_based"}));
    light.spawn(test::fio_command(
        target, light_out,
        {"--rw=randread", "--bs=4k", "--ioengine=psync", "--runtime=60", "--time_based"}));
    // The hog has requests in flight when the programs attach: their
    // completions were never seen at issue and must not produce garbage.
    std::this_thread::sleep_for(500ms);

    auto [status, text] = test::run_cgwarden("snapshot --json --duration 3 --cgroup " +
                                             light.path() + " --cgroup " + hog.path());
    ASSERT_EQ(status, 0) << text;
    std::remove(hog_out.c_str());
    std::remove(light_out.c_str());

    auto report = nlohmann::json::parse(text);
    ASSERT_TRUE(report["io"].is_object()) << text;
    const auto &l = test::cgroup_entry(report, light.path())["io"];
    const auto &h = test::cgroup_entry(report, hog.path())["io"];
    for (const char *key :
         {"ops", "bytes", "read_ops", "write_ops", "latency_p50_s", "latency_p99_s",
          "latency_max_s", "queue_p99_s", "devices", "queued_behind"})
        EXPECT_TRUE(l.contains(key)) << key;
    EXPECT_GT(l["read_ops"].get<uint64_t>(), 0u) << text;
    EXPECT_GT(h["ops"].get<uint64_t>(), l["ops"].get<uint64_t>()) << text;
    const auto &dev = device_entry(l, target.device());
    EXPECT_FALSE(dev["name"].get<std::string>().empty()) << "name from /sys/dev/block uevent";
    for (const char *key :
         {"device", "name", "ops", "bytes", "latency_p50_s", "latency_p99_s", "queue_p99_s"})
        EXPECT_TRUE(dev.contains(key)) << key;
    ASSERT_FALSE(l["queued_behind"].empty()) << text;
    EXPECT_EQ(l["queued_behind"][0]["path"], hog.path()) << text;
    EXPECT_GT(l["queued_behind"][0]["delay_s"].get<double>(), 0.0);
    EXPECT_GT(l["queued_behind"][0]["count"].get<uint64_t>(), 0u);
    EXPECT_LT(h["latency_max_s"].get<double>(), 10.0) << "requests issued before load";
    EXPECT_LT(h["queue_p99_s"].get<double>(), 10.0) << text;
}

}  // namespace
}  // namespace cgw
