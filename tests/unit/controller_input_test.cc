#include "cgwarden/control/input.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <memory>

#include "fake_hierarchy.h"

namespace cgw {
namespace {

class ControllerInputTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ClassPolicy critical;
        critical.name = "critical";
        critical.priority = 100;
        critical.slo.cpu_delay_p99 = std::chrono::milliseconds(5);
        ClassPolicy batch;
        batch.name = "batch";
        batch.knobs[Knob::CpuWeight] = {.floor = 1, .ceiling = 100, .step = 10};
        policy_.classes = {critical, batch};
    }
    // One fake hierarchy plays each of them (a pure v2 node).
    template <class Id = CpuCgroupId>
    Id id(const std::string &rel) {
        return Id(fake_.id(rel));
    }
    // /agent is critical, /batch* batch, the root has no class.
    static std::optional<size_t> classify(const std::string &path) {
        if (path == "/agent")
            return 0;
        return path.starts_with("/batch") ? std::optional<size_t>(1) : std::nullopt;
    }

    test::FakeHierarchy fake_{"agent", "batch", "batch2", "batch3"};
    const std::filesystem::path &root_ = fake_.root();
    Policy policy_;
};

TEST_F(ControllerInputTest, JoinsSignalsWithPathsClassesAndKnobs) {
    CpuCgroupTree tree(root_);
    Signals all;
    CpuSignals &signals = all.cpu;
    signals.window_s = 2;
    signals.by_cgroup[id("")].usage_s = 3;  // the root: 3 CPU-seconds of 2 s on 2 CPUs
    CgroupCpuSignals agent;
    agent.runq_delay_p99_s = 0.02;
    agent.runq_events = 300;
    agent.preempted_by = {{id("batch"), 0.5, 10}, {CpuCgroupId(987654321), 0.1, 3}};
    signals.by_cgroup[id("agent")] = agent;
    signals.by_cgroup[id("batch")] = CgroupCpuSignals{};

    std::vector<std::string> knobs_read;
    InputSources sources{
        policy_, classify,
        [&](const std::string &path, const ClassPolicy &cls, const std::vector<std::string> &) {
            knobs_read.push_back(path + ":" + cls.name);
            return std::map<KnobSlot, double>{{Knob::CpuWeight, 100}};
        },
        2};
    ControllerInput in = build_controller_input(PassModel(all, {&tree.paths_by_id()}),
                                                std::chrono::seconds(7), sources);

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
    EXPECT_EQ(knobs_read, std::vector<std::string>{"/batch:batch"})
        << "the critical agent has no class above it: its knobs never move";
}

// Knobs are read only where the controller may move them this pass: a
// cgroup is turned down only for a victim of a higher class with an SLO,
// and only when that victim's evidence names it. Busy batch cgroups that
// only delay each other, or a protected one, cost no read.
TEST_F(ControllerInputTest, KnobsAreReadOnlyWhereTheControllerMayMoveThem) {
    CpuCgroupTree tree(root_);
    Signals all;
    all.cpu.window_s = 1;
    CgroupCpuSignals busy;
    busy.runq_events = 50;
    all.cpu.by_cgroup[id("agent")] = busy;
    busy.preempted_by = {{id("batch3"), 0.01, 5}};
    all.cpu.by_cgroup[id("batch")] = busy;   // names batch3: the same class
    all.cpu.by_cgroup[id("batch2")] = busy;  // idem
    all.cpu.by_cgroup[id("batch3")] = CgroupCpuSignals{.runq_events = 1};
    std::vector<std::string> knobs_read;
    InputSources sources{
        policy_, classify,
        [&](const std::string &path, const ClassPolicy &, const std::vector<std::string> &) {
            knobs_read.push_back(path);
            return std::map<KnobSlot, double>{{Knob::CpuWeight, 100}};
        },
        2};
    sources.held = {{"/batch2", Knob::CpuWeight}};
    build_controller_input(PassModel(all, {&tree.paths_by_id()}), std::chrono::seconds(1), sources);
    EXPECT_EQ(knobs_read, std::vector<std::string>{"/batch2"}) << "held";

    knobs_read.clear();
    all.cpu.by_cgroup[id("agent")].preempted_by = {{id("batch3"), 0.02, 3}};
    build_controller_input(PassModel(all, {&tree.paths_by_id()}), std::chrono::seconds(2), sources);
    EXPECT_EQ(knobs_read, (std::vector<std::string>{"/batch2", "/batch3"}))
        << "batch3 delayed the critical agent";
}

// A victim behind dozens of cgroups names the first kNamedAntagonists, the
// only ones that can have the share to be acted on; the rest is one entry
// with no path, so that every share stays what it was.
TEST(ControllerInput, NamesTheAntagonistsThatCanBeActedOnAndSumsTheRest) {
    test::FakeHierarchy fake{"agent", "b0", "b1", "b2", "b3",  "b4", "b5",
                             "b6",    "b7", "b8", "b9", "b10", "b11"};
    CpuCgroupTree tree(fake.root());
    Signals all;
    all.cpu.window_s = 1;
    CgroupCpuSignals &agent = all.cpu.by_cgroup[CpuCgroupId(fake.id("agent"))];
    agent.runq_events = 100;
    for (int i = 0; i < 12; ++i)  // most delay first, as the signals sort them
        agent.preempted_by.push_back(
            {CpuCgroupId(fake.id("b" + std::to_string(i))), 0.012 - 0.001 * i, 1});
    Policy policy;
    InputSources sources{
        policy, [](const std::string &) { return std::optional<size_t>{}; },
        [](const std::string &, const ClassPolicy &, const std::vector<std::string> &) {
            return std::map<KnobSlot, double>{};
        },
        2};
    ControllerInput in = build_controller_input(PassModel(all, {&tree.paths_by_id()}),
                                                std::chrono::seconds(1), sources);
    const std::vector<Antagonist> &named = in.cgroups.at("/agent").cpu_antagonists;
    ASSERT_EQ(named.size(), kNamedAntagonists + 1);
    for (size_t i = 0; i < kNamedAntagonists; ++i)
        EXPECT_EQ(named[i].path, "/b" + std::to_string(i));
    EXPECT_EQ(named.back().path, "") << "the rest";
    EXPECT_DOUBLE_EQ(named.back().weight, 0.002 + 0.001) << "b10 and b11";
    double total = 0;
    for (int i = 0; i < 12; ++i)
        total += 0.012 - 0.001 * i;
    EXPECT_NEAR(attributed_weight(named), total, 1e-12) << "shares unchanged";
}

// A cgroup whose knobs the controller holds stays in the input while it
// exists, even in an interval it did nothing in (an antagonist that
// stopped), and its per-device knob is read on that device: only a removed
// cgroup drops out.
TEST_F(ControllerInputTest, HeldCgroupsAreInTheInputWhileTheyExist) {
    CpuCgroupTree tree(root_);
    Signals idle;
    idle.cpu.window_s = 1;
    std::vector<std::string> devices_read;
    InputSources sources{
        policy_,
        [](const std::string &path) -> std::optional<size_t> {
            return path == "/batch" ? std::optional<size_t>(1) : std::nullopt;
        },
        [&](const std::string &, const ClassPolicy &, const std::vector<std::string> &devices) {
            devices_read = devices;
            return std::map<KnobSlot, double>{{Knob::CpuWeight, 10}};
        },
        2};
    sources.held = {{"/batch", Knob::CpuWeight},
                    {"/batch", Knob::IoMax, "8:16"},
                    {"/removed", Knob::CpuWeight}};
    ControllerInput in = build_controller_input(PassModel(idle, {&tree.paths_by_id()}),
                                                std::chrono::seconds(7), sources);
    ASSERT_EQ(in.cgroups.count("/batch"), 1u);
    EXPECT_EQ(in.cgroups.at("/batch").knobs.at(Knob::CpuWeight), 10);
    EXPECT_DOUBLE_EQ(in.cgroups.at("/batch").cpu_usage, 0);
    EXPECT_EQ(devices_read, std::vector<std::string>{"8:16"}) << "no IO there, read all the same";
    EXPECT_EQ(in.cgroups.count("/removed"), 0u);
}

// Drop reasons name QDISC_DROP as the kernel's BTF does, with a number of
// the test's own.
DropReasonNames names_with_qdisc_drop(uint32_t code) {
    std::unique_ptr<btf, decltype(&btf__free)> b{btf__new_empty(), btf__free};
    btf__add_enum(b.get(), "skb_drop_reason", 4);
    btf__add_enum_value(b.get(), "SKB_DROP_REASON_QDISC_DROP", code);
    btf__add_enum_value(b.get(), "SKB_DROP_REASON_SOCKET_RCVBUFF", code + 1);
    return DropReasonNames::from_btf(b.get()).value();
}

// What a cgroup offered and what passed the queues: a flood into a full
// qdisc offers far more than the link carries, and only its own packets
// the qdisc dropped (counted with them, not a receive buffer's drops of
// the same cgroup's sockets) come off what passed.
TEST_F(ControllerInputTest, EgressIsWhatWasOfferedAndWhatPassedTheQueues) {
    constexpr uint32_t kQdiscDrop = 9;
    DropReasonNames names = names_with_qdisc_drop(kQdiscDrop);
    CpuCgroupTree tree(root_);
    Signals all;
    all.cpu.window_s = 2;
    NetSignals &net = all.net.emplace();
    net.window_s = 2;
    net.by_cgroup[id<NetCgroupId>("batch")] = {.tx_packets = 1000,
                                               .tx_bytes = 1'400'000,
                                               .tx_queue_drops = 900,
                                               .drops = {{kQdiscDrop, 900}, {kQdiscDrop + 1, 50}}};
    net.by_cgroup[id<NetCgroupId>("agent")] = {.tx_packets = 10, .tx_bytes = 640, .drops = {}};
    NetCgroupTree net_tree(root_);
    InputSources sources{policy_, [](const std::string &) { return std::nullopt; }, {}, 2, &names};
    ControllerInput in = build_controller_input(
        PassModel(all, {&tree.paths_by_id(), nullptr, &net_tree.paths_by_id()}),
        std::chrono::seconds(7), sources);

    EXPECT_DOUBLE_EQ(in.cgroups.at("/batch").tx_bytes_per_s, 700'000);
    EXPECT_DOUBLE_EQ(in.cgroups.at("/batch").tx_passed_bytes_per_s, 70'000);
    EXPECT_DOUBLE_EQ(in.cgroups.at("/agent").tx_bytes_per_s, 320);
    EXPECT_DOUBLE_EQ(in.cgroups.at("/agent").tx_passed_bytes_per_s, 320);
}

}  // namespace
}  // namespace cgw
