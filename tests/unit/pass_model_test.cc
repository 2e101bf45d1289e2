// The pass's model: one entry per cgroup path, its figures from every
// hierarchy of a hybrid node joined there, idle cgroups left out.
#include "cgwarden/model/pass_model.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

// A hybrid node: /web has other ids in the cpu, blkio and cgroup2 hierarchies.
class PassModelTest : public ::testing::Test {
  protected:
    std::map<CpuCgroupId, std::string> cpu_paths_{{CpuCgroupId(1), "/"},
                                                  {CpuCgroupId(10), "/web"},
                                                  {CpuCgroupId(11), "/batch"},
                                                  {CpuCgroupId(12), "/idle"}};
    std::map<IoCgroupId, std::string> io_paths_{
        {IoCgroupId(210), "/web"}, {IoCgroupId(211), "/batch"}, {IoCgroupId(212), "/io-only"}};
    std::map<NetCgroupId, std::string> net_paths_{{NetCgroupId(310), "/web"},
                                                  {NetCgroupId(311), "/batch"}};
    CgroupPaths paths() { return {&cpu_paths_, &io_paths_, &net_paths_}; }
};

TEST_F(PassModelTest, JoinsEveryHierarchysFiguresByPathAndLeavesIdleCgroupsOut) {
    Signals s;
    s.cpu.window_s = 1;
    CgroupCpuSignals &web_cpu = s.cpu.by_cgroup[CpuCgroupId(10)];
    web_cpu.runq_events = 5;
    web_cpu.preempted_by = {{CpuCgroupId(11), 0.01, 5}, {CpuCgroupId(99), 0.01, 1}};
    s.cpu.by_cgroup[CpuCgroupId(11)] = {};  // idle, but /web waited behind it
    s.cpu.by_cgroup[CpuCgroupId(12)] = {};  // idle
    s.memory[CpuCgroupId(10)] = {.current_bytes = 1 << 20, .stall_fraction = 0};
    IoSignals &io = s.io.emplace();
    io.by_cgroup[IoCgroupId(210)].ops = 3;
    io.by_cgroup[IoCgroupId(212)].ops = 1;
    NetSignals &net = s.net.emplace();
    net.by_cgroup[NetCgroupId(310)].tx_packets = 4;
    net.by_cgroup[NetCgroupId(311)] = {};  // no traffic

    PassModel model(s, paths());
    const auto &all = model.cgroups();
    EXPECT_EQ(all.size(), 3u) << "/web, /batch (named by /web), /io-only";
    const CgroupModel *web = model.find("/web");
    ASSERT_TRUE(web);
    EXPECT_EQ(web->cpu_id, CpuCgroupId(10));
    EXPECT_EQ(web->io_id, IoCgroupId(210));
    EXPECT_EQ(web->net_id, NetCgroupId(310));
    EXPECT_EQ(web->cpu, &s.cpu.by_cgroup.at(CpuCgroupId(10)));
    EXPECT_EQ(web->io, &io.by_cgroup.at(IoCgroupId(210)));
    EXPECT_EQ(web->net, &net.by_cgroup.at(NetCgroupId(310)));
    EXPECT_EQ(web->memory, &s.memory.at(CpuCgroupId(10)));
    const CgroupModel *batch = model.find("/batch");
    ASSERT_TRUE(batch);
    EXPECT_EQ(batch->cpu, &s.cpu.by_cgroup.at(CpuCgroupId(11)));
    EXPECT_FALSE(batch->net) << "a cgroup2 entry without traffic";
    const CgroupModel *io_only = model.find("/io-only");
    ASSERT_TRUE(io_only);
    EXPECT_EQ(io_only->cpu_id, CpuCgroupId{}) << "not in the cpu hierarchy";
    EXPECT_FALSE(model.find("/idle"));

    EXPECT_EQ(*model.path_of(CpuCgroupId(11)), "/batch");
    EXPECT_EQ(*model.path_of(IoCgroupId(212)), "/io-only");
    EXPECT_FALSE(model.path_of(CpuCgroupId(99))) << "a preemptor already gone";
    EXPECT_TRUE(model.exists("/idle"));
    EXPECT_TRUE(model.exists("/io-only"));
    EXPECT_FALSE(model.exists("/gone"));
}

TEST_F(PassModelTest, ACgroupStallingOnMemoryIsInItEvenWithoutOtherFigures) {
    Signals s;
    s.cpu.by_cgroup[CpuCgroupId(12)] = {};
    s.memory[CpuCgroupId(12)] = {.current_bytes = 1 << 30, .stall_fraction = 0.3};
    s.memory[CpuCgroupId(11)] = {.current_bytes = 1 << 30, .stall_fraction = 0};
    PassModel model(s, {&cpu_paths_});
    ASSERT_EQ(model.cgroups().size(), 1u);
    ASSERT_TRUE(model.find("/idle"));
    EXPECT_DOUBLE_EQ(model.find("/idle")->memory->stall_fraction, 0.3);
    EXPECT_FALSE(model.path_of(IoCgroupId(212))) << "no IO sensor: no IO paths";
}

}  // namespace
}  // namespace cgw
