#include "cgwarden/snapshot/io_report.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cgwarden/common/block_device_name.h"
#include "cgwarden/snapshot/report.h"

namespace cgw {
namespace {

// Two hierarchies with the same relative paths and different inodes, as the
// v1 cpu and blkio hierarchies of a hybrid node.
class IoReportTest : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("cgw-io-report-" + std::to_string(::getpid()));
        for (const char *dir :
             {"cpu/app/web", "cpu/batch", "blkio/app/web", "blkio/batch", "blkio/io-only"})
            std::filesystem::create_directories(root_ / dir);
    }
    void TearDown() override { std::filesystem::remove_all(root_); }
    uint64_t inode(const std::string &rel) {
        struct stat st {};
        ::stat((root_ / rel).c_str(), &st);
        return st.st_ino;
    }
    IoCgroupId io_id(const std::string &rel) { return IoCgroupId(inode("blkio/" + rel)); }
    CpuCgroupId cpu_id(const std::string &rel) { return CpuCgroupId(inode("cpu/" + rel)); }

    IoSignals signals() {
        IoSignals s;
        CgroupIoSignals web;
        web.ops = 100;
        web.read_ops = 60;
        web.write_ops = 40;
        web.bytes = 409600;
        web.latency_p50_s = 0.001;
        web.latency_p99_s = 0.02;
        web.latency_max_s = 0.03;
        web.queue_p99_s = 0.015;
        DeviceIoSignals vda;
        static_cast<IoLatencySignals &>(vda) = web;
        vda.queued_behind = {{io_id("batch"), 0.5, 80}};
        web.devices[{254, 0}] = vda;
        web.queued_behind = {{io_id("batch"), 0.5, 80}, {IoCgroupId(424242), 0.1, 3}};
        s.by_cgroup[io_id("app/web")] = web;
        CgroupIoSignals only_io;
        only_io.ops = 5;
        s.by_cgroup[io_id("io-only")] = only_io;
        s.drops[CGW_IO_DROP_UNTRACKED] = 7;
        return s;
    }

    SnapshotReport report(const std::vector<std::string> &only = {}) {
        CpuCgroupTree cpu_tree(root_ / "cpu");
        IoCgroupTree io_tree(root_ / "blkio");
        Signals all;
        CgroupCpuSignals busy;
        busy.runq_events = 10;
        busy.runq_delay_total_s = 1;
        all.cpu.by_cgroup[cpu_id("batch")] = busy;
        all.cpu.by_cgroup[cpu_id("app/web")] = busy;
        all.io = signals();
        const PassModel model(all, {.cpu = &cpu_tree.paths_by_id(), .io = &io_tree.paths_by_id()});
        SnapshotReport r =
            build_snapshot_report(model, CgroupMode::Hybrid, AttachMode::TpBtf, cpu_tree, only);
        IoSummary summary;
        summary.hierarchy = (root_ / "blkio").string();
        summary.outlier_threshold_s = 0.05;
        std::vector<IoOutlier> outliers = {
            {1, io_id("app/web"), {254, 0}, CGW_IO_OP_READ, 1'000'000, 60'000'000, 4096}};
        add_io_report(r, summary, model, outliers, io_tree, cpu_tree, only,
                      [](const std::string &dev) { return dev == "254:0" ? "vda" : ""; });
        return r;
    }

    std::filesystem::path root_;
};

const nlohmann::json &entry(const nlohmann::json &json, const std::string &path) {
    for (const auto &c : json["cgroups"])
        if (c["path"] == path)
            return c;
    throw std::runtime_error("no " + path);
}

TEST_F(IoReportTest, JoinsCpuAndIoHierarchiesByPath) {
    auto json = to_json(report());
    const auto &web = entry(json, "/app/web");
    EXPECT_EQ(web["id"], inode("cpu/app/web")) << "the entry keeps its cpu hierarchy id";
    EXPECT_EQ(web["io"]["id"], inode("blkio/app/web"));
    EXPECT_EQ(web["io"]["ops"], 100);
    EXPECT_EQ(entry(json, "/batch")["io"]["ops"], 0) << "idle for IO, but measured";
    const auto &only_io = entry(json, "/io-only");
    EXPECT_EQ(only_io["id"], 0) << "not in the cpu hierarchy";
    EXPECT_EQ(only_io["io"]["ops"], 5);
}

TEST_F(IoReportTest, JsonKeepsTheContractNames) {
    auto json = to_json(report());
    const auto &io = entry(json, "/app/web")["io"];
    for (const char *key :
         {"ops", "bytes", "read_ops", "write_ops", "latency_p50_s", "latency_p99_s",
          "latency_max_s", "queue_p99_s", "devices", "queued_behind"})
        EXPECT_TRUE(io.contains(key)) << key;
    EXPECT_EQ(io["read_ops"], 60);
    EXPECT_EQ(io["queue_p99_s"], 0.015);
    ASSERT_EQ(io["devices"].size(), 1u);
    const auto &vda = io["devices"][0];
    EXPECT_EQ(vda["device"], "254:0");
    EXPECT_EQ(vda["name"], "vda");
    for (const char *key : {"ops", "bytes", "latency_p50_s", "latency_p99_s", "queue_p99_s"})
        EXPECT_TRUE(vda.contains(key)) << key;
    const auto &behind = io["queued_behind"];
    ASSERT_EQ(behind.size(), 2u);
    EXPECT_EQ(behind[0]["path"], "/batch");
    EXPECT_EQ(behind[0]["delay_s"], 0.5);
    EXPECT_EQ(behind[0]["count"], 80);
    EXPECT_EQ(behind[1]["path"], "(removed)");
    EXPECT_EQ(io["outliers"], 1);
    EXPECT_EQ(json["io"]["outliers_received"], 1);
    EXPECT_EQ(json["io"]["worst_outliers"][0]["path"], "/app/web");
    EXPECT_EQ(json["io"]["lost_events"]["io_untracked_completions"], 7);
}

TEST_F(IoReportTest, ListedCgroupsOnly) {
    auto r = report({"/app/web"});
    ASSERT_EQ(r.cgroups.size(), 1u);
    EXPECT_EQ(r.cgroups[0].path, "/app/web");
    ASSERT_TRUE(r.cgroups[0].io);
    EXPECT_EQ(r.cgroups[0].io->signals.ops, 100u);
}

TEST_F(IoReportTest, TableNamesDeviceAndTopQueuedBehind) {
    std::string table = to_table(report());
    EXPECT_NE(table.find("vda"), std::string::npos) << table;
    EXPECT_NE(table.find("/batch (500.00ms, 80x)"), std::string::npos) << table;
    EXPECT_NE(table.find("IO outliers over 50.00ms: 1 received"), std::string::npos) << table;
}

TEST(IoReport, AMissingIoSensorDegradesOnlyIo) {
    SnapshotReport r;
    r.cgroups.push_back({"/app", CpuCgroupId(5), {}, {}});
    r.io_unavailable = "starting the IO sensor: no ring buffer";
    auto json = to_json(r);
    EXPECT_TRUE(json["io"].is_null());
    EXPECT_EQ(json["io_unavailable"], r.io_unavailable);
    EXPECT_TRUE(json["cgroups"][0]["io"].is_null());
    EXPECT_TRUE(json["cgroups"][0].contains("cpu"));
    EXPECT_NE(to_table(r).find("IO: not measured: starting the IO sensor"), std::string::npos);
}

TEST(BlockDeviceName, ReadsDevnameFromUevent) {
    EXPECT_EQ(parse_uevent_devname("MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n"), "vda");
    EXPECT_EQ(parse_uevent_devname("MAJOR=8\nDEVNAME=nvme0n1"), "nvme0n1");
    EXPECT_EQ(parse_uevent_devname("MAJOR=8\n"), "");
}

}  // namespace
}  // namespace cgw
