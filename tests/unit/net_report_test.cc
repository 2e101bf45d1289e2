#include "cgwarden/snapshot/net_report.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include "cgwarden/snapshot/report.h"
#include "fake_hierarchy.h"

namespace cgw {
namespace {

// A hybrid node: the CPU figures come from the v1 cpu hierarchy, the network
// figures from cgroup2, where the same cgroup has another id.
class NetReportTest : public ::testing::Test {
  protected:
    DropReasonNames names() {
        std::unique_ptr<btf, void (*)(btf *)> b{btf__new_empty(), btf__free};
        btf__add_enum(b.get(), "skb_drop_reason", 4);
        btf__add_enum_value(b.get(), "SKB_DROP_REASON_QDISC_DROP", 64);
        return *DropReasonNames::from_btf(b.get());
    }

    NetSignals net() {
        NetSignals s;
        s.by_cgroup[unified_.id<NetCgroupId>("app/web")] = {10, 1000, 20, 2000, 1, 0, {{64, 3}}};
        s.by_cgroup[unified_.id<NetCgroupId>("batch")] = {500, 700000, 0, 0, 0, 0, {}};
        HeartbeatSignals hb;
        hb.flow = {"kubelet", "tcp", 6443, std::nullopt, std::nullopt};
        hb.sent = 10;
        hb.received = 7;
        hb.dropped = 3;
        hb.drops = {{64, 2}, {999, 1}};
        hb.max_gap_s = 1.5;
        s.heartbeats = {hb};
        s.lost[CGW_NET_LOST_RATE_LIMITED] = 4;
        return s;
    }

    // The window's signals: /app/web waited for a CPU; network figures as
    // net() has them.
    Signals signals() {
        Signals s;
        CgroupCpuSignals web;
        web.runq_events = 5;
        s.cpu.by_cgroup[cpu_.id<CpuCgroupId>("app/web")] = web;
        s.net = net();
        return s;
    }

    test::FakeHierarchy cpu_{"app/web", "batch"};
    test::FakeHierarchy unified_{"app/web", "batch"};
};

TEST_F(NetReportTest, JoinsByPathAndKeepsTheContractNames) {
    CpuCgroupTree cpu_tree(cpu_.root());
    NetCgroupTree net_tree(unified_.root());
    const Signals window = signals();
    const PassModel model(window, {.cpu = &cpu_tree.paths_by_id(), .net = &net_tree.paths_by_id()});
    SnapshotReport report =
        build_snapshot_report(model, CgroupMode::Hybrid, AttachMode::TpBtf, cpu_tree, {});
    add_net_to_report(report, model, names(), net_tree, cpu_tree, {});
    auto json = to_json(report);

    ASSERT_EQ(json["cgroups"].size(), 2u) << json.dump(2);
    const auto &web = json["cgroups"][0];
    EXPECT_EQ(web["path"], "/app/web") << "one entry per cgroup, CPU and network joined";
    EXPECT_EQ(web["id"], cpu_.id("app/web"));
    EXPECT_EQ(web["net"]["tx_packets"], 10);
    EXPECT_EQ(web["net"]["tx_bytes"], 1000);
    EXPECT_EQ(web["net"]["rx_packets"], 20);
    EXPECT_EQ(web["net"]["rx_bytes"], 2000);
    EXPECT_EQ(web["net"]["retransmits"], 1);
    EXPECT_EQ(web["net"]["drops"], (nlohmann::json{{"QDISC_DROP", 3}}));
    const auto &batch = json["cgroups"][1];
    EXPECT_EQ(batch["path"], "/batch") << "network-only cgroups are listed too";
    EXPECT_EQ(batch["id"], cpu_.id("batch"));
    EXPECT_EQ(batch["net"]["tx_bytes"], 700000);

    ASSERT_EQ(json["heartbeats"].size(), 1u);
    const auto &hb = json["heartbeats"][0];
    EXPECT_EQ(hb, (nlohmann::json{{"name", "kubelet"},
                                  {"proto", "tcp"},
                                  {"port", 6443},
                                  {"sent", 10},
                                  {"received", 7},
                                  {"dropped", 3},
                                  {"drops_by_reason", {{"QDISC_DROP", 2}, {"UNKNOWN_999", 1}}},
                                  {"retransmits", 0},
                                  {"max_gap_s", 1.5}}));
    EXPECT_EQ(json["lost_events"]["net_events_rate_limited"], 4);
    EXPECT_NE(to_table(report).find("kubelet"), std::string::npos);
}

TEST_F(NetReportTest, ListedCgroupsOnlyAndNullWithoutASensor) {
    CpuCgroupTree cpu_tree(cpu_.root());
    NetCgroupTree net_tree(unified_.root());
    const Signals window = signals();
    const PassModel model(window, {.cpu = &cpu_tree.paths_by_id(), .net = &net_tree.paths_by_id()});
    SnapshotReport report =
        build_snapshot_report(model, CgroupMode::Hybrid, AttachMode::TpBtf, cpu_tree, {"/app/web"});
    EXPECT_TRUE(to_json(report)["cgroups"][0]["net"].is_null()) << "no network sensor ran";
    EXPECT_TRUE(to_json(report)["heartbeats"].empty());

    add_net_to_report(report, model, names(), net_tree, cpu_tree, {"/app/web"});
    auto json = to_json(report);
    ASSERT_EQ(json["cgroups"].size(), 1u) << "only the listed cgroup";
    EXPECT_EQ(json["cgroups"][0]["net"]["rx_bytes"], 2000);
}

}  // namespace
}  // namespace cgw
