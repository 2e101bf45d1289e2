#include "cgwarden/cgroup/layout.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

std::string no_controllers(const std::filesystem::path &) {
    return "";
}

// Taken from a hybrid development machine (kernel 6.18).
constexpr const char *kHybrid =
    "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "35 31 0:32 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "36 31 0:33 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(CgroupLayout, DetectsHybrid) {
    auto layout = parse_cgroup_layout(kHybrid, [](const auto &) { return "hugetlb\n"; });
    ASSERT_TRUE(layout) << layout.error().message;
    EXPECT_EQ(layout->mode, CgroupMode::Hybrid);
    EXPECT_EQ(layout->unified, "/sys/fs/cgroup/unified");
    EXPECT_EQ(layout->mount_for("cpu"), "/sys/fs/cgroup/cpu");
    EXPECT_EQ(layout->mount_for("cpuacct"), "/sys/fs/cgroup/cpuacct");
    EXPECT_EQ(layout->mount_for("hugetlb"), "/sys/fs/cgroup/unified");
    EXPECT_FALSE(layout->mount_for("memory"));
    EXPECT_FALSE(layout->v1.count("name=systemd"));
    EXPECT_EQ(layout->mounts().front(), "/sys/fs/cgroup/cpu") << "cpu owner first";
}

TEST(CgroupLayout, DetectsPureV2) {
    auto layout = parse_cgroup_layout(
        "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
        "rw,nsdelegate,memory_recursiveprot\n",
        [](const auto &mount) {
            EXPECT_EQ(mount, "/sys/fs/cgroup");
            return std::string("cpuset cpu io memory pids\n");
        });
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->mode, CgroupMode::V2);
    EXPECT_EQ(layout->mount_for("cpu"), "/sys/fs/cgroup");
    EXPECT_EQ(layout->mount_for("io"), "/sys/fs/cgroup");
    EXPECT_EQ(layout->unified_controllers.size(), 5u);
    EXPECT_EQ(layout->unified_controllers.back(), "pids");
}

TEST(CgroupLayout, DetectsV1WithCoMountedControllers) {
    auto layout = parse_cgroup_layout(
        "25 20 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "26 20 0:23 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
        no_controllers);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->mode, CgroupMode::V1);
    EXPECT_EQ(layout->mount_for("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
    EXPECT_EQ(layout->mount_for("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");
    EXPECT_EQ(layout->mounts().size(), 2u) << "co-mounted controllers share one hierarchy";
}

TEST(CgroupLayout, UnescapesMountPaths) {
    auto layout = parse_cgroup_layout("30 23 0:26 / /mnt/my\\040cgroups rw - cgroup2 cgroup2 rw\n",
                                      no_controllers);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->unified, "/mnt/my cgroups");
}

TEST(CgroupLayout, NoCgroupMountIsAnError) {
    auto layout = parse_cgroup_layout("22 1 254:0 / / rw - ext4 /dev/vda rw\n", no_controllers);
    ASSERT_FALSE(layout);
    EXPECT_NE(layout.error().message.find("no cgroup hierarchy"), std::string::npos);
}

}  // namespace
}  // namespace cgw
