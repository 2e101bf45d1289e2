#include "cgwarden/actuator/cgroup_actuator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fake_cgroupfs.h"

namespace cgw {
namespace {

using test::FakeCgroupfs;

std::unique_ptr<CgroupActuator> make_actuator(const FakeCgroupfs &fs) {
    auto journal = Journal::open(fs.state_dir());
    if (!journal)
        throw std::runtime_error(journal.error().message);
    return std::make_unique<CgroupActuator>(fs.layout(), std::move(journal).value());
}

Decision decision(Knob knob, double value) {
    Decision d;
    d.cgroup = "/app";
    d.knob = knob;
    d.new_value = value;
    return d;
}

TEST(CgroupActuator, ReadsTheClassKnobsItCan) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::V2);
    auto actuator = make_actuator(fs);
    ClassPolicy cls;
    cls.knobs = {{Knob::CpuWeight, {}}, {Knob::CpuMax, {}}, {Knob::IoMax, {}}};
    auto values = actuator->read("/app", cls, {"8:0", "8:16"});
    EXPECT_EQ(values.size(), 4u) << "io_max once per device";
    EXPECT_EQ(values.at(Knob::CpuWeight), 100);
    EXPECT_TRUE(std::isinf(values.at(Knob::CpuMax)));
    EXPECT_TRUE(std::isinf(values.at({Knob::IoMax, "8:16"}))) << "no line: no limit";
    EXPECT_EQ(actuator->read("/app", cls, {}).size(), 2u) << "no IO: no device to read io_max of";
}

TEST(CgroupActuator, AppliesReportsExternalChangesOnceAndRestores) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::Hybrid);
    auto actuator = make_actuator(fs);
    ASSERT_TRUE(actuator->apply(decision(Knob::CpuWeight, 50)));
    ASSERT_TRUE(actuator->apply(decision(Knob::CpuMax, 0.5)));
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.shares")), "512");
    EXPECT_TRUE(actuator->take_changed_externally().empty());

    fs.write(fs.app_file("cpu", "cpu.shares"), "2048\n");
    auto changed = actuator->take_changed_externally();
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(*changed.begin(), (KnobTarget{"/app", Knob::CpuWeight}));
    EXPECT_TRUE(actuator->take_changed_externally().empty()) << "reported once, then adopted";

    ASSERT_TRUE(actuator->restore_all());
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.shares")), "2048") << "the adopted value stays";
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.cfs_quota_us")), "-1");
}

TEST(CgroupActuator, ADecisionItCannotApplyIsAnError) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::Hybrid);
    auto actuator = make_actuator(fs);
    auto s = actuator->apply(decision(Knob::NetEgressRate, 1e9));
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("the network sensor is not running"), std::string::npos);
}

// An earlier run's knob that cannot be restored at start-up (here a file the
// write fails on) keeps its journal entry and is never touched by this run;
// the daemon starts anyway, and every other knob works.
TEST(CgroupActuator, AKnobThatCannotBeRestoredAtStartIsHeldAndNeverTouched) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::V2);
    auto weight = fs.app_file("cpu", "cpu.weight");
    {
        auto earlier = make_actuator(fs);
        ASSERT_TRUE(earlier->apply(decision(Knob::CpuWeight, 30)));
    }  // a crash: nothing restored
    std::filesystem::remove(weight);
    std::filesystem::create_directory(weight);  // writes to it fail (EISDIR)

    auto actuator = make_actuator(fs);
    Status s = actuator->restore_left_over();
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find(weight.string()), std::string::npos) << s.error().message;

    // The file can be written again (the disk is back), but this run holds it.
    std::filesystem::remove(weight);
    fs.write(weight, "30\n");
    Status refused = actuator->apply(decision(Knob::CpuWeight, 50));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("was left changed by an earlier run and could not be "
                                           "restored"),
              std::string::npos)
        << refused.error().message;
    EXPECT_EQ(fs.read(weight), "30\n") << "not touched";
    ClassPolicy cls;
    cls.knobs = {{Knob::CpuWeight, {}}, {Knob::CpuMax, {}}};
    auto values = actuator->read("/app", cls, {});
    EXPECT_EQ(values.count(Knob::CpuWeight), 0u) << "the controller never sees it";
    EXPECT_TRUE(actuator->apply(decision(Knob::CpuMax, 0.5))) << "the other knobs work";

    // On exit it is tried again with the rest: the file takes its original.
    EXPECT_TRUE(actuator->restore_all());
    EXPECT_EQ(fs.read(weight), "100");
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.max")), "max 100000");
}

}  // namespace
}  // namespace cgw
