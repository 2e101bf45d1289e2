#include "cgwarden/snapshot/report.h"

#include <gtest/gtest.h>
#include "fake_hierarchy.h"

namespace cgw {
namespace {

class ReportTest : public ::testing::Test {
  protected:
    CpuCgroupId id(const std::string &rel) { return CpuCgroupId(fake_.id(rel)); }

    CpuSignals signals() {
        CpuSignals s;
        s.window_s = 5;
        CgroupCpuSignals web;
        web.runq_delay_total_s = 0.5;
        web.runq_events = 100;
        web.usage_s = 1;
        web.psi_some_s = 0.25;
        web.preempted_by = {{id("batch"), 0.4, 60}, {CpuCgroupId(424242), 0.1, 40}};
        CgroupCpuSignals batch;
        batch.runq_delay_total_s = 2.0;
        batch.runq_events = 10;
        CgroupCpuSignals idle;
        s.by_cgroup[id("app/web")] = web;
        s.by_cgroup[id("batch")] = batch;
        s.by_cgroup[id("app")] = idle;
        return s;
    }

    // The report of signals() through the model, as snapshot builds it.
    SnapshotReport report(CgroupMode mode, AttachMode attach,
                          const std::vector<std::string> &only = {}) {
        CpuCgroupTree tree(root_);
        Signals signals;
        signals.cpu = this->signals();
        return build_snapshot_report(PassModel(signals, {.cpu = &tree.paths_by_id()}), mode, attach,
                                     tree, only);
    }

    test::FakeHierarchy fake_{"app/web", "batch"};
    const std::filesystem::path &root_ = fake_.root();
};

TEST_F(ReportTest, JsonKeepsTheContractNames) {
    auto json = to_json(report(CgroupMode::Hybrid, AttachMode::TpBtf));
    EXPECT_EQ(json["duration_s"], 5.0);
    EXPECT_EQ(json["cgroup_mode"], "hybrid");
    ASSERT_EQ(json["cgroups"].size(), 2u) << "idle cgroups are left out";
    const auto &first = json["cgroups"][0];
    EXPECT_EQ(first["path"], "/batch") << "sorted by contention";
    const auto &web = json["cgroups"][1];
    EXPECT_EQ(web["path"], "/app/web");
    EXPECT_EQ(web["id"], id("app/web").value);
    for (const char *key : {"runq_delay_total_s", "runq_delay_p50_s", "runq_delay_p99_s",
                            "runq_delay_max_s", "runq_events", "throttled_s",
                            "cpu_stat_throttled_s", "nr_throttled", "usage_s", "preempted_by"})
        EXPECT_TRUE(web["cpu"].contains(key)) << key;
    EXPECT_EQ(web["cpu"]["psi_some_s"], 0.25);
    EXPECT_TRUE(web["cpu"]["psi_full_s"].is_null()) << "absent PSI is null, not 0";
    const auto &by = web["cpu"]["preempted_by"];
    ASSERT_EQ(by.size(), 2u);
    EXPECT_EQ(by[0]["path"], "/batch");
    EXPECT_EQ(by[0]["delay_s"], 0.4);
    EXPECT_EQ(by[0]["count"], 60);
    EXPECT_EQ(by[1]["path"], "(removed)");
}

TEST_F(ReportTest, ListedCgroupsAppearEvenWhenIdle) {
    auto listed = report(CgroupMode::V2, AttachMode::RawTp, {"/app", "/app/web"});
    ASSERT_EQ(listed.cgroups.size(), 2u);
    EXPECT_EQ(listed.cgroups[0].path, "/app/web");
    EXPECT_EQ(listed.cgroups[1].path, "/app");
    EXPECT_EQ(listed.cgroups[1].cpu.runq_events, 0u);
}

TEST_F(ReportTest, TableNamesTheTopAntagonist) {
    std::string table = to_table(report(CgroupMode::V1, AttachMode::TpBtf));
    EXPECT_NE(table.find("/app/web"), std::string::npos);
    EXPECT_NE(table.find("/batch (400.00ms)"), std::string::npos) << table;
    EXPECT_LT(table.find("/batch "), table.find("/app/web")) << table;
}

}  // namespace
}  // namespace cgw
