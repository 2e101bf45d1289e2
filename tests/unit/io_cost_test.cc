// io.cost on a policy's disks, on a fake cgroupfs: the device named three
// ways, what is journaled before the writes, and what restore writes back.
// Plain files do not merge lines as the kernel does; the VM's rated-disk
// test (enforce_io_test) covers the kernel's side.
#include "cgwarden/actuator/io_cost.h"

#include <gtest/gtest.h>

#include "cgwarden/actuator/restore.h"
#include "fake_cgroupfs.h"

namespace cgw {
namespace {

using test::FakeCgroupfs;

const DiskPolicy kDisk{"vdb",
                       {"rbps=1000000000 rseqiops=1000 rrandiops=1000 wbps=1000000000 "
                        "wseqiops=1000 wrandiops=1000",
                        "rpct=95 rlat=10000 max=100"}};

class IoCost : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char *dir :
             {"class/block/vdb", "class/block/vdb1", "dev/block/254:16", "class/block/null"})
            std::filesystem::create_directories(fs_.sys() / dir);
        fs_.write(fs_.sys() / "class/block/vdb/dev", "254:16\n");
        fs_.write(fs_.sys() / "dev/block/254:16/dev", "254:16\n");
        fs_.write(fs_.sys() / "class/block/vdb1/dev", "254:17\n");
        fs_.write(fs_.sys() / "class/block/vdb1/partition", "1\n");
        root_ = fs_.layout().unified.value();
    }
    Journal open_journal() {
        auto journal = Journal::open(fs_.state_dir());
        if (!journal)
            throw std::runtime_error(journal.error().message);
        return std::move(journal).value();
    }

    FakeCgroupfs fs_{FakeCgroupfs::Shape::V2};
    std::filesystem::path root_;
};

TEST_F(IoCost, ADiskIsNamedByNamePathOrNumberAndNeverByPartition) {
    EXPECT_EQ(*block_device_number("vdb", fs_.sys()), "254:16");
    EXPECT_EQ(*block_device_number("/dev/vdb", fs_.sys()), "254:16");
    EXPECT_EQ(*block_device_number("254:16", fs_.sys()), "254:16");
    // A /dev link (/dev/disk/by-id/...) is followed to the disk it names.
    auto link = fs_.root() / "by-id-disk";
    std::filesystem::create_symlink("/dev/null", link);  // any node: only its name counts
    fs_.write(fs_.sys() / "class/block/null/dev", "1:3\n");
    // "/dev/../": a /dev path wherever the fake lives.
    EXPECT_EQ(*block_device_number("/dev/../" + link.string(), fs_.sys()), "1:3");
    auto partition = block_device_number("vdb1", fs_.sys());
    ASSERT_FALSE(partition);
    EXPECT_NE(partition.error().message.find("'vdb1' is a partition"), std::string::npos)
        << partition.error().message;
    auto missing = block_device_number("vdx", fs_.sys());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message.rfind("no block device 'vdx' on this node: ", 0), 0u)
        << missing.error().message;
}

TEST_F(IoCost, AnAutoLineGoesBackAsAutoAndAUserLineAsItWas) {
    EXPECT_EQ(io_cost_model_restore("", "254:16"), "254:16 ctrl=auto");
    EXPECT_EQ(io_cost_model_restore("254:16 ctrl=auto model=linear rbps=1 rseqiops=2 "
                                    "rrandiops=3 wbps=4 wseqiops=5 wrandiops=6",
                                    "254:16"),
              "254:16 ctrl=auto")
        << "the coefficients written with ctrl=auto would make them the user's";
    std::string user_model =
        "254:16 ctrl=user model=linear rbps=1 rseqiops=2 rrandiops=3 wbps=4 wseqiops=5 "
        "wrandiops=6";
    EXPECT_EQ(io_cost_model_restore(user_model, "254:16"), user_model);

    EXPECT_EQ(io_cost_qos_restore("", "254:16"), "254:16 enable=0 ctrl=auto");
    EXPECT_EQ(io_cost_qos_restore("254:16 enable=1 ctrl=auto rpct=0.00 rlat=250000 wpct=0.00 "
                                  "wlat=250000 min=1.00 max=10000.00",
                                  "254:16"),
              "254:16 enable=1 ctrl=auto");
    std::string user_qos =
        "254:16 enable=0 ctrl=user rpct=90.00 rlat=5000 wpct=0.00 wlat=250000 min=1.00 "
        "max=100.00";
    EXPECT_EQ(io_cost_qos_restore(user_qos, "254:16"), user_qos);
}

TEST_F(IoCost, TheDisksOwnLinesAreJournaledBeforeTheWritesAndRestored) {
    std::string other_disk =
        "8:0 enable=1 ctrl=auto rpct=0.00 rlat=250000 wpct=0.00 wlat=250000 "
        "min=1.00 max=10000.00";
    fs_.write(root_ / "io.cost.model", "");
    fs_.write(root_ / "io.cost.qos", other_disk + "\n");
    Journal journal = open_journal();
    auto device = set_io_cost(kDisk, root_, journal, fs_.sys());
    ASSERT_TRUE(device) << device.error().message;
    EXPECT_EQ(*device, "254:16");
    EXPECT_EQ(fs_.read(root_ / "io.cost.model"),
              "254:16 ctrl=user model=linear " + kDisk.io_cost.model);
    EXPECT_EQ(fs_.read(root_ / "io.cost.qos"), "254:16 enable=1 ctrl=user " + kDisk.io_cost.qos);

    ASSERT_EQ(journal.entries().size(), 2u);
    EXPECT_EQ(journal.entries()[0].key.file, (root_ / "io.cost.model").string());
    EXPECT_EQ(journal.entries()[0].key.device, "254:16");
    EXPECT_EQ(journal.entries()[0].restore, "254:16 ctrl=auto");
    EXPECT_EQ(journal.entries()[1].restore, "254:16 enable=0 ctrl=auto")
        << "the disk had no line; another disk's is none of ours";
    EXPECT_EQ(journal.entries()[1].written, "254:16 enable=1 ctrl=user " + kDisk.io_cost.qos);

    // A second start keeps the first originals, not what the first wrote.
    ASSERT_TRUE(set_io_cost(kDisk, root_, journal, fs_.sys()));
    EXPECT_EQ(journal.entries()[1].restore, "254:16 enable=0 ctrl=auto");

    EXPECT_TRUE(restore_all(journal, fs_.layout()).ok());
    EXPECT_EQ(fs_.read(root_ / "io.cost.qos"), "254:16 enable=0 ctrl=auto");
    EXPECT_TRUE(journal.entries().empty());
}

TEST_F(IoCost, AKernelWithoutIoCostIsAnErrorThatSaysSoAndChangesNothing) {
    Journal journal = open_journal();
    auto device = set_io_cost(kDisk, root_, journal, fs_.sys());
    ASSERT_FALSE(device);
    EXPECT_NE(device.error().message.find("CONFIG_BLK_CGROUP_IOCOST"), std::string::npos)
        << device.error().message;
    EXPECT_TRUE(journal.entries().empty());
}

}  // namespace
}  // namespace cgw
