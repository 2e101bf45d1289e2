#include "cgwarden/control/input.h"

#include <gtest/gtest.h>
#include "fake_hierarchy.h"

namespace cgw {
namespace {

class ControllerInputTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ClassPolicy critical;
        critical.name = "critical";
        ClassPolicy batch;
        batch.name = "batch";
        batch.knobs[Knob::CpuWeight] = {.floor = 1, .ceiling = 100, .step = 10};
        policy_.classes = {critical, batch};
    }
    uint64_t id(const std::string &rel) { return fake_.id(rel); }

    test::FakeHierarchy fake_{"agent", "batch"};
    const std::filesystem::path &root_ = fake_.root();
    Policy policy_;
};

TEST_F(ControllerInputTest, JoinsSignalsWithPathsClassesAndKnobs) {
    CgroupTree tree(root_);
    Signals all;
    CpuSignals &signals = all.cpu;
    signals.window_s = 2;
    signals.by_cgroup[id("")].usage_s = 3;  // the root: 3 CPU-seconds of 2 s on 2 CPUs
    CgroupCpuSignals agent;
    agent.runq_delay_p99_s = 0.02;
    agent.runq_events = 300;
    agent.preempted_by = {{id("batch"), 0.5, 10}, {987654321, 0.1, 3}};
    signals.by_cgroup[id("agent")] = agent;
    signals.by_cgroup[id("batch")] = CgroupCpuSignals{};

    std::vector<std::string> knobs_read;
    InputSources sources{
        policy_, tree,
        [](const std::string &path) -> std::optional<size_t> {
            if (path == "/agent")
                return 0;
            if (path == "/batch")
                return 1;
            return std::nullopt;
        },
        [&](const std::string &path, const ClassPolicy &cls, const std::vector<std::string> &) {
            knobs_read.push_back(path + ":" + cls.name);
            return std::map<KnobSlot, double>{{Knob::CpuWeight, 100}};
        },
        2};
    ControllerInput in = build_controller_input(all, std::chrono::seconds(7), sources);

    EXPECT_EQ(in.now, std::chrono::seconds(7));
    EXPECT_DOUBLE_EQ(in.cpu_busy_fraction, 0.75);
    ASSERT_EQ(in.cgroups.count("/agent"), 1u);
    const CgroupInput &a = in.cgroups.at("/agent");
    EXPECT_EQ(a.class_index, 0u);
    EXPECT_DOUBLE_EQ(a.cpu_delay_p99_s, 0.02);
    EXPECT_EQ(a.cpu_waits, 300u);
    ASSERT_EQ(a.cpu_antagonists.size(), 1u) << "an antagonist that no longer exists is dropped";
    EXPECT_EQ(a.cpu_antagonists[0].path, "/batch");
    EXPECT_EQ(in.cgroups.at("/batch").knobs.at(Knob::CpuWeight), 100);
    EXPECT_FALSE(in.cgroups.at("/").class_index);
    EXPECT_TRUE(in.cgroups.at("/").knobs.empty()) << "unclassified: no knob is read";
    EXPECT_EQ(knobs_read.size(), 2u);
}

}  // namespace
}  // namespace cgw
