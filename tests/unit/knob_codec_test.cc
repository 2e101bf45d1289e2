#include "cgwarden/actuator/knob_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cgw {
namespace {

constexpr double kMax = std::numeric_limits<double>::infinity();

CgroupLayout v2_layout() {
    CgroupLayout layout;
    layout.unified = "/sys/fs/cgroup";
    layout.unified_controllers = {"cpu", "io", "memory"};
    return layout;
}

CgroupLayout hybrid_layout() {
    CgroupLayout layout;
    layout.mode = CgroupMode::Hybrid;
    layout.unified = "/sys/fs/cgroup/unified";
    layout.v1 = {{"cpu", "/sys/fs/cgroup/cpu"},
                 {"blkio", "/sys/fs/cgroup/blkio"},
                 {"memory", "/sys/fs/cgroup/memory"}};
    return layout;
}

KnobCodec codec(const CgroupLayout &layout, Knob knob) {
    auto c = knob_codec(layout, knob);
    EXPECT_TRUE(c) << c.error().message;
    return std::move(c).value();
}

std::vector<std::string> encode(const KnobCodec &c, double value,
                                const std::vector<std::string> &current,
                                const std::string &device = "") {
    auto texts = c.encode(value, current, current, device);
    EXPECT_TRUE(texts) << texts.error().message;
    return texts ? *texts : std::vector<std::string>{};
}

double decode(const KnobCodec &c, const std::vector<std::string> &slices) {
    auto v = c.decode(slices);
    EXPECT_TRUE(v) << v.error().message;
    return v ? *v : -1;
}

TEST(KnobCodec, V2CpuWeight) {
    auto c = codec(v2_layout(), Knob::CpuWeight);
    EXPECT_EQ(c.files[0].name, "cpu.weight");
    EXPECT_EQ(encode(c, 250, {"100"}), std::vector<std::string>{"250"});
    EXPECT_EQ(encode(c, 0, {"100"}), std::vector<std::string>{"1"})
        << "clamped to the kernel range";
    EXPECT_EQ(decode(c, {"250"}), 250);
}

TEST(KnobCodec, V2CpuMaxKeepsThePeriod) {
    auto c = codec(v2_layout(), Knob::CpuMax);
    EXPECT_EQ(encode(c, 0.5, {"max 100000"}), std::vector<std::string>{"50000 100000"});
    EXPECT_EQ(encode(c, 2, {"max 50000"}), std::vector<std::string>{"100000 50000"});
    EXPECT_EQ(encode(c, kMax, {"20000 100000"}), std::vector<std::string>{"max 100000"});
    EXPECT_EQ(encode(c, 0.001, {"max 100000"}), std::vector<std::string>{"1000 100000"})
        << "never below the kernel's 1ms minimum quota";
    EXPECT_DOUBLE_EQ(decode(c, {"50000 100000"}), 0.5);
    EXPECT_TRUE(std::isinf(decode(c, {"max 100000"})));
}

TEST(KnobCodec, V2IoWeightIsTheDefaultLine) {
    auto c = codec(v2_layout(), Knob::IoWeight);
    EXPECT_EQ(c.files[0].slice, SliceOf::DefaultLine);
    EXPECT_EQ(encode(c, 300, {"default 100"}), std::vector<std::string>{"default 300"});
    EXPECT_EQ(decode(c, {"default 300"}), 300);
}

TEST(KnobCodec, V2IoMaxIsPerDevice) {
    auto c = codec(v2_layout(), Knob::IoMax);
    EXPECT_TRUE(c.needs_device);
    EXPECT_EQ(encode(c, 1048576, {""}, "8:0"),
              std::vector<std::string>{"8:0 rbps=1048576 wbps=1048576"});
    EXPECT_EQ(encode(c, kMax, {""}, "8:0"), std::vector<std::string>{"8:0 rbps=max wbps=max"});
    EXPECT_EQ(decode(c, {"8:0 rbps=1048576 wbps=max riops=max wiops=max"}), 1048576);
    EXPECT_TRUE(std::isinf(decode(c, {""}))) << "no line: no limit";
    EXPECT_EQ(c.restore_text("", "8:0"), "8:0 rbps=max wbps=max riops=max wiops=max");
    EXPECT_EQ(c.restore_text("8:0 rbps=5 wbps=max riops=max wiops=max", "8:0"),
              "8:0 rbps=5 wbps=max riops=max wiops=max");
}

TEST(KnobCodec, V2MemoryHigh) {
    auto c = codec(v2_layout(), Knob::MemoryHigh);
    EXPECT_EQ(encode(c, 536870912, {"max"}), std::vector<std::string>{"536870912"});
    EXPECT_EQ(encode(c, kMax, {"1"}), std::vector<std::string>{"max"});
    EXPECT_TRUE(std::isinf(decode(c, {"max"})));
    EXPECT_EQ(decode(c, {"4096"}), 4096);
}

TEST(KnobCodec, V1CpuSharesScaleFromV2Weights) {
    auto c = codec(hybrid_layout(), Knob::CpuWeight);
    EXPECT_EQ(c.files[0].name, "cpu.shares");
    EXPECT_EQ(encode(c, 100, {"1024"}), std::vector<std::string>{"1024"});
    EXPECT_EQ(encode(c, 50, {"1024"}), std::vector<std::string>{"512"});
    EXPECT_EQ(encode(c, 1, {"1024"}), std::vector<std::string>{"10"});
    EXPECT_DOUBLE_EQ(decode(c, {"512"}), 50);
    EXPECT_DOUBLE_EQ(decode(c, {"1024"}), 100);
}

// cpu.idle owns the weight file too: setting it leaves the weight alone
// (the kernel refuses weight writes then), clearing it writes back the
// weight cgwarden found, which the kernel reset to its default.
TEST(KnobCodec, CpuIdleCarriesTheWeightItOverrides) {
    for (auto [layout, weight_file] :
         {std::pair{v2_layout(), "cpu.weight"}, std::pair{hybrid_layout(), "cpu.shares"}}) {
        auto c = codec(layout, Knob::CpuIdle);
        ASSERT_EQ(c.files.size(), 2u);
        EXPECT_EQ(c.files[0].name, "cpu.idle") << "written and restored first";
        EXPECT_EQ(c.files[1].name, weight_file);
        auto set = c.encode(1, {"0", "256"}, {"0", "256"}, "");
        ASSERT_TRUE(set);
        EXPECT_EQ(*set, (std::vector<std::string>{"1", "256"})) << "the weight unchanged";
        auto clear = c.encode(0, {"1", "3"}, {"0", "256"}, "");
        ASSERT_TRUE(clear);
        EXPECT_EQ(*clear, (std::vector<std::string>{"0", "256"})) << "the weight it had";
        EXPECT_FALSE(c.encode(0.5, {"0", "256"}, {"0", "256"}, ""));
        EXPECT_EQ(decode(c, {"1", "3"}), 1);
        EXPECT_EQ(decode(c, {"0", "1024"}), 0);
        EXPECT_FALSE(c.decode({"2", "1024"}));
    }
}

TEST(KnobCodec, V1CfsQuotaWritesThePeriodFirst) {
    auto c = codec(hybrid_layout(), Knob::CpuMax);
    ASSERT_EQ(c.files.size(), 2u);
    EXPECT_EQ(c.files[0].name, "cpu.cfs_period_us");
    EXPECT_EQ(c.files[1].name, "cpu.cfs_quota_us");
    EXPECT_EQ(encode(c, 0.5, {"100000", "-1"}), (std::vector<std::string>{"100000", "50000"}));
    EXPECT_EQ(encode(c, kMax, {"100000", "50000"}), (std::vector<std::string>{"100000", "-1"}));
    EXPECT_DOUBLE_EQ(decode(c, {"100000", "250000"}), 2.5);
    EXPECT_TRUE(std::isinf(decode(c, {"100000", "-1"})));
    EXPECT_FALSE(c.decode({"x", "-1"}));
}

TEST(KnobCodec, V1BfqWeightIsATenth) {
    auto c = codec(hybrid_layout(), Knob::IoWeight);
    EXPECT_EQ(c.files[0].name, "blkio.bfq.weight");
    EXPECT_TRUE(c.needs_device) << "to check the device uses BFQ";
    EXPECT_EQ(encode(c, 1000, {"100"}, "8:0"), std::vector<std::string>{"100"});
    EXPECT_EQ(encode(c, 1, {"100"}, "8:0"), std::vector<std::string>{"1"});
    EXPECT_EQ(decode(c, {"50"}), 500);
}

TEST(KnobCodec, V1ThrottleLimitsBothDirections) {
    auto c = codec(hybrid_layout(), Knob::IoMax);
    ASSERT_EQ(c.files.size(), 2u);
    EXPECT_EQ(encode(c, 2097152, {"", ""}, "8:0"),
              (std::vector<std::string>{"8:0 2097152", "8:0 2097152"}));
    EXPECT_EQ(encode(c, kMax, {"", ""}, "8:0"), (std::vector<std::string>{"8:0 0", "8:0 0"}));
    EXPECT_EQ(decode(c, {"8:0 2097152", "8:0 2097152"}), 2097152);
    EXPECT_TRUE(std::isinf(decode(c, {"", ""})));
    EXPECT_EQ(c.restore_text("", "8:0"), "8:0 0");
}

// A step of cgwarden's never raises a limit the operator set, in either
// direction, and lifting its cap puts theirs back.
TEST(KnobCodec, IoMaxKeepsTheOperatorsOwnLimitOfEachDirection) {
    auto v2 = codec(v2_layout(), Knob::IoMax);
    std::vector<std::string> operator_v2 = {"8:0 rbps=max wbps=1048576 riops=max wiops=100"};
    auto encoded = v2.encode(2097152, operator_v2, operator_v2, "8:0");
    ASSERT_TRUE(encoded) << encoded.error().message;
    EXPECT_EQ(*encoded, std::vector<std::string>{"8:0 rbps=2097152 wbps=1048576"});
    encoded =
        v2.encode(kMax, {"8:0 rbps=2097152 wbps=1048576 riops=max wiops=100"}, operator_v2, "8:0");
    EXPECT_EQ(*encoded, std::vector<std::string>{"8:0 rbps=max wbps=1048576"});

    auto v1 = codec(hybrid_layout(), Knob::IoMax);
    std::vector<std::string> operator_v1 = {"", "8:0 1048576"};
    encoded = v1.encode(2097152, operator_v1, operator_v1, "8:0");
    ASSERT_TRUE(encoded) << encoded.error().message;
    EXPECT_EQ(*encoded, (std::vector<std::string>{"8:0 2097152", "8:0 1048576"}));
    encoded = v1.encode(kMax, {"8:0 2097152", "8:0 1048576"}, operator_v1, "8:0");
    EXPECT_EQ(*encoded, (std::vector<std::string>{"8:0 0", "8:0 1048576"}));
}

TEST(KnobCodec, UnsupportedKnobsSayWhy) {
    auto memory = knob_codec(hybrid_layout(), Knob::MemoryHigh);
    ASSERT_FALSE(memory);
    EXPECT_NE(memory.error().message.find("needs cgroup v2"), std::string::npos);
    auto net = knob_codec(v2_layout(), Knob::NetEgressRate);
    ASSERT_FALSE(net);
    EXPECT_NE(net.error().message.find("not a cgroup file"), std::string::npos);
}

TEST(FileSlice, WholeDeviceAndDefaultLines) {
    EXPECT_EQ(file_slice("max 100000\n", SliceOf::Whole, ""), "max 100000");
    const char *io_max =
        "8:0 rbps=1 wbps=max riops=max wiops=max\n8:16 rbps=2 wbps=max riops=max wiops=max\n";
    EXPECT_EQ(file_slice(io_max, SliceOf::DeviceLine, "8:16"),
              "8:16 rbps=2 wbps=max riops=max wiops=max");
    EXPECT_EQ(file_slice(io_max, SliceOf::DeviceLine, "8:1"), "") << "8:1 is not 8:16";
    EXPECT_EQ(file_slice("default 100\n8:0 200\n", SliceOf::DefaultLine, "8:0"), "default 100");
}

}  // namespace
}  // namespace cgw
