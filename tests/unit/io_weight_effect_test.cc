// Whether io_weight acts on a disk, read from a fake cgroupfs and sysfs:
// io.cost enabled in the cgroup2 root's io.cost.qos (v2 io.weight), the
// bfq scheduler (v1 blkio.bfq.weight; 8:0 has it, 8:16 has mq-deadline).
#include "cgwarden/cgroup/io_weight_effect.h"

#include <gtest/gtest.h>

#include "fake_cgroupfs.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using Shape = test::FakeCgroupfs::Shape;

TEST(IoWeightEffect, OnCgroupV2OnlyWhereIoCostIsEnabled) {
    test::FakeCgroupfs fs(Shape::V2);
    fs.write(*fs.layout().unified / "io.cost.qos",
             "8:0 enable=1 ctrl=auto rpct=0.00 rlat=250000 wpct=0.00 wlat=250000 min=1.00 "
             "max=10000.00\n8:16 enable=0 ctrl=auto rpct=0.00 rlat=250000 wpct=0.00 "
             "wlat=250000 min=1.00 max=10000.00\n");
    IoWeightEffect effect(fs.layout(), fs.sys());
    auto now = std::chrono::steady_clock::now();
    EXPECT_TRUE(effect.acts_on("8:0", now));
    EXPECT_FALSE(effect.acts_on("8:16", now)) << "listed, but not enabled";
    EXPECT_FALSE(effect.acts_on("254:0", now)) << "not listed: never enabled";
}

TEST(IoWeightEffect, OnCgroupV2BfqIsNotEnough) {
    test::FakeCgroupfs fs(Shape::V2);  // 8:0 runs bfq, which reads io.bfq.weight
    IoWeightEffect effect(fs.layout(), fs.sys());
    EXPECT_FALSE(effect.acts_on("8:0", std::chrono::steady_clock::now()))
        << "no io.cost.qos: a kernel without io.cost";
}

TEST(IoWeightEffect, OnBlkioV1WhereTheSchedulerIsBfq) {
    test::FakeCgroupfs fs(Shape::Hybrid);
    IoWeightEffect effect(fs.layout(), fs.sys());
    auto now = std::chrono::steady_clock::now();
    EXPECT_TRUE(effect.acts_on("8:0", now));
    EXPECT_FALSE(effect.acts_on("8:16", now));
    EXPECT_FALSE(effect.acts_on("1:1", now)) << "no such disk";
}

TEST(IoWeightEffect, AnOperatorsChangeIsSeenWithinAMinute) {
    test::FakeCgroupfs fs(Shape::V2);
    auto qos = *fs.layout().unified / "io.cost.qos";
    fs.write(qos, "8:16 enable=0\n");
    IoWeightEffect effect(fs.layout(), fs.sys());
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(effect.acts_on("8:16", start));
    fs.write(qos, "8:16 enable=1\n");
    EXPECT_FALSE(effect.acts_on("8:16", start + 30s)) << "read at most once a minute";
    EXPECT_TRUE(effect.acts_on("8:16", start + 61s));
}

}  // namespace
}  // namespace cgw
