#include "cgwarden/actuator/knob_io.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cgwarden/actuator/knob_codec.h"
#include "cgwarden/actuator/restore.h"
#include "fake_cgroupfs.h"

namespace cgw {
namespace {

using test::FakeCgroupfs;

Journal open_journal(const std::filesystem::path &dir) {
    auto j = Journal::open(dir);
    if (!j)
        throw std::runtime_error(j.error().message);
    return std::move(j).value();
}

const KnobTarget kWeight{"/app", Knob::CpuWeight, ""};
const KnobTarget kQuota{"/app", Knob::CpuMax, ""};

TEST(KnobIo, V2WritesAndReadsInPolicyUnits) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::V2);
    Journal journal = open_journal(fs.state_dir());
    KnobIo io(fs.layout(), journal, fs.sys());
    ASSERT_TRUE(io.write(kWeight, 40));
    ASSERT_TRUE(io.write(kQuota, 1.5));
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.weight")), "40");
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.max")), "150000 100000");
    EXPECT_EQ(*io.read(kWeight), 40);
    EXPECT_DOUBLE_EQ(*io.read(kQuota), 1.5);
    ASSERT_TRUE(io.write({"/app", Knob::MemoryHigh, ""}, 1 << 30));
    EXPECT_EQ(fs.read(fs.app_file("memory", "memory.high")), "1073741824");
    ASSERT_TRUE(io.write({"/app", Knob::IoMax, "8:0"}, 1 << 20));
    EXPECT_EQ(fs.read(fs.app_file("io", "io.max")), "8:0 rbps=1048576 wbps=1048576");
    ASSERT_TRUE(io.write({"/app", Knob::IoWeight, ""}, 250));
    EXPECT_EQ(fs.read(fs.app_file("io", "io.weight")), "default 250");

    ASSERT_EQ(journal.entries().size(), 5u);
    EXPECT_EQ(journal.entries()[0].restore, "100") << "journaled before the first write";
    EXPECT_EQ(journal.entries()[1].restore, "max 100000");
    EXPECT_EQ(journal.entries()[1].written, "150000 100000");
    EXPECT_EQ(journal.entries()[3].key.device, "8:0");
    EXPECT_EQ(journal.entries()[3].restore, "8:0 rbps=max wbps=max riops=max wiops=max")
        << "no line before: restore lifts our limit";
}

TEST(KnobIo, V1TranslatesToSharesAndCfsQuota) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::Hybrid);
    Journal journal = open_journal(fs.state_dir());
    KnobIo io(fs.layout(), journal, fs.sys());
    ASSERT_TRUE(io.write(kWeight, 50));
    ASSERT_TRUE(io.write(kQuota, 0.25));
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.shares")), "512");
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.cfs_period_us")), "100000\n")
        << "unchanged, not written";
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.cfs_quota_us")), "25000");
    EXPECT_DOUBLE_EQ(*io.read(kWeight), 50);
    EXPECT_DOUBLE_EQ(*io.read(kQuota), 0.25);
    ASSERT_TRUE(io.write(kQuota, std::numeric_limits<double>::infinity()));
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.cfs_quota_us")), "-1");
    ASSERT_TRUE(io.write({"/app", Knob::IoMax, "8:16"}, 4096));
    EXPECT_EQ(fs.read(fs.app_file("blkio", "blkio.throttle.write_bps_device")), "8:16 4096");
}

TEST(KnobIo, V1IoWeightNeedsBfqOnTheDevice) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::Hybrid);
    Journal journal = open_journal(fs.state_dir());
    KnobIo io(fs.layout(), journal, fs.sys());
    ASSERT_TRUE(io.write({"/app", Knob::IoWeight, "8:0"}, 500));
    EXPECT_EQ(fs.read(fs.app_file("blkio", "blkio.bfq.weight")), "50");
    auto deadline = io.write({"/app", Knob::IoWeight, "8:16"}, 500);
    ASSERT_FALSE(deadline);
    EXPECT_NE(deadline.error().message.find("does not use BFQ"), std::string::npos)
        << deadline.error().message;
    auto no_device = io.write({"/app", Knob::IoWeight, ""}, 500);
    ASSERT_FALSE(no_device);
    EXPECT_NE(no_device.error().message.find("needs a block device as MAJ:MIN"), std::string::npos);
}

TEST(KnobIo, ErrorsNameTheKnobTheCgroupAndTheFile) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::V2);
    Journal journal = open_journal(fs.state_dir());
    KnobIo io(fs.layout(), journal, fs.sys());
    auto gone = io.write({"/nope", Knob::CpuWeight, ""}, 10);
    ASSERT_FALSE(gone);
    EXPECT_NE(gone.error().message.find("cpu_weight of cgroup /nope"), std::string::npos);
    EXPECT_NE(gone.error().message.find("/nope/cpu.weight"), std::string::npos);
    auto net = io.write({"/app", Knob::NetEgressRate, ""}, 10);
    ASSERT_FALSE(net);
    EXPECT_NE(net.error().message.find("not a cgroup file"), std::string::npos);
    EXPECT_TRUE(journal.entries().empty());
}

TEST(KnobIo, ARefusedWriteIsNotJournaledAsWritten) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::V2);
    Journal journal = open_journal(fs.state_dir());
    KnobIo io(fs.layout(), journal, fs.sys());
    // A read-only sysctl stands for a refusing kernel: even root may not write it.
    auto weight = fs.app_file("cpu", "cpu.weight");
    std::filesystem::remove(weight);
    std::filesystem::create_symlink("/proc/sys/kernel/ostype", weight);
    auto refused = io.write(kWeight, 10);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("setting cpu_weight of cgroup /app to 10"),
              std::string::npos)
        << refused.error().message;
    ASSERT_EQ(journal.entries().size(), 1u);
    EXPECT_FALSE(journal.entries()[0].written);
}

TEST(KnobIo, ExternalChangesAreDetectedAndCanBeAdopted) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::V2);
    Journal journal = open_journal(fs.state_dir());
    KnobIo io(fs.layout(), journal, fs.sys());
    EXPECT_FALSE(*io.changed_externally(kWeight)) << "never written";
    ASSERT_TRUE(io.write(kWeight, 40));
    EXPECT_FALSE(*io.changed_externally(kWeight));
    fs.write(fs.app_file("cpu", "cpu.weight"), "300\n");  // systemctl set-property CPUWeight=300
    EXPECT_TRUE(*io.changed_externally(kWeight));
    ASSERT_TRUE(io.adopt(kWeight));
    EXPECT_FALSE(*io.changed_externally(kWeight));
    EXPECT_EQ(journal.entries()[0].restore, "300");
    EXPECT_FALSE(journal.entries()[0].written);
    ASSERT_TRUE(io.write(kWeight, 20));
    auto report = restore_all(journal, fs.layout());
    EXPECT_TRUE(report.ok());
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.weight")), "300") << "the adopted value";
}

TEST(Restore, PutsOriginalsBackOnceAndSkipsGoneCgroups) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::Hybrid);
    std::filesystem::copy(fs.app_file("cpu", "").parent_path(),
                          fs.app_file("cpu", "").parent_path().parent_path() / "other");
    {
        Journal journal = open_journal(fs.state_dir());
        KnobIo io(fs.layout(), journal, fs.sys());
        ASSERT_TRUE(io.write(kWeight, 10));
        ASSERT_TRUE(io.write(kQuota, 0.5));
        ASSERT_TRUE(io.write({"/other", Knob::CpuWeight, ""}, 10));
        ASSERT_TRUE(io.write({"/app", Knob::IoMax, "8:0"}, 1000));
    }
    std::filesystem::remove_all(fs.app_file("cpu", "").parent_path().parent_path() / "other");
    Journal journal = open_journal(fs.state_dir());
    RestoreReport report = restore_all(journal, fs.layout());
    EXPECT_TRUE(report.ok()) << report.journal_error;
    ASSERT_EQ(report.outcomes.size(), 6u);
    EXPECT_EQ(report.outcomes[1].key.file, fs.app_file("cpu", "cpu.cfs_period_us"))
        << "the period goes back before the quota";
    EXPECT_EQ(report.outcomes[3].result, RestoreOutcome::Result::Gone);
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.shares")), "1024");
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.cfs_quota_us")), "-1");
    EXPECT_EQ(fs.read(fs.app_file("blkio", "blkio.throttle.read_bps_device")), "8:0 0")
        << "the rule we added is removed (cgroupfs then shows no line)";
    EXPECT_TRUE(journal.entries().empty());
    EXPECT_TRUE(restore_all(journal, fs.layout()).outcomes.empty()) << "idempotent";
}

// The journal says which file restore writes: one that names a path outside
// the cgroup mounts (edited by someone) gets nothing written.
TEST(Restore, WritesOnlyInsideTheCgroupMounts) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::V2);
    auto outside = fs.root() / "etc-passwd";
    fs.write(outside, "root:x:0:0\n");
    auto escaping = fs.app_file("cpu", "cpu.weight").parent_path() / ".." / ".." / "etc-passwd";
    Journal journal = open_journal(fs.state_dir());
    for (const auto &file : {outside, escaping})
        ASSERT_TRUE(journal.record_original({file.string(), ""}, "owned"));
    RestoreReport report = restore_all(journal, fs.layout());
    ASSERT_EQ(report.outcomes.size(), 2u);
    for (const RestoreOutcome &o : report.outcomes) {
        EXPECT_EQ(o.result, RestoreOutcome::Result::Failed);
        EXPECT_NE(o.error.find("is not inside a cgroup file system mounted here"),
                  std::string::npos)
            << o.error;
    }
    EXPECT_EQ(fs.read(outside), "root:x:0:0\n");
    EXPECT_EQ(journal.entries().size(), 2u) << "kept, for `cgwarden restore --list`";
}

TEST(Restore, AFailureIsReportedAndKeptForTheNextAttempt) {
    FakeCgroupfs fs(FakeCgroupfs::Shape::V2);
    Journal journal = open_journal(fs.state_dir());
    KnobIo io(fs.layout(), journal, fs.sys());
    ASSERT_TRUE(io.write(kWeight, 10));
    ASSERT_TRUE(io.write(kQuota, 0.5));
    // A directory where the file was: opening it for writing fails (EISDIR).
    auto weight = fs.app_file("cpu", "cpu.weight");
    std::filesystem::remove(weight);
    std::filesystem::create_directory(weight);
    RestoreReport report = restore_all(journal, fs.layout());
    EXPECT_FALSE(report.ok());
    ASSERT_EQ(report.outcomes.size(), 2u);
    EXPECT_EQ(report.outcomes[0].result, RestoreOutcome::Result::Failed);
    EXPECT_NE(report.outcomes[0].error.find(weight.string()), std::string::npos);
    EXPECT_EQ(report.outcomes[1].result, RestoreOutcome::Result::Restored) << "the rest goes on";
    EXPECT_EQ(fs.read(fs.app_file("cpu", "cpu.max")), "max 100000");
    ASSERT_EQ(journal.entries().size(), 1u);
    std::filesystem::remove(weight);
    fs.write(weight, "10\n");
    EXPECT_TRUE(restore_all(journal, fs.layout()).ok());
    EXPECT_EQ(fs.read(weight), "100");
}

// A crash can stop the daemon anywhere: after any byte of any journal record
// is on disk, and with each file either still original or changed, but
// never changed before its original was journaled. From every such state,
// restore must bring back every original.
void crash_everywhere(FakeCgroupfs::Shape shape, const std::vector<std::string> &files) {
    FakeCgroupfs fs(shape);
    std::vector<std::string> originals;
    for (const auto &f : files)
        originals.push_back(fs.read(fs.app_file("cpu", f)));
    std::vector<std::vector<std::string>> changed;  // file contents after each write
    {
        Journal journal = open_journal(fs.state_dir());
        KnobIo io(fs.layout(), journal, fs.sys());
        for (auto [target, value] : {std::pair{kQuota, 0.5}, {kWeight, 30.0}, {kQuota, 0.2}}) {
            ASSERT_TRUE(io.write(target, value));
            std::vector<std::string> now;
            for (const auto &f : files)
                now.push_back(fs.read(fs.app_file("cpu", f)));
            changed.push_back(now);
        }
    }
    const std::string full = fs.read(fs.state_dir() / "journal");
    for (size_t cut = 0; cut <= full.size(); ++cut) {
        for (const auto &state : changed) {
            fs.write(fs.state_dir() / "journal", full.substr(0, cut));
            Journal journal = open_journal(fs.state_dir());
            for (size_t i = 0; i < files.size(); ++i) {
                auto path = fs.app_file("cpu", files[i]);
                bool journaled = journal.find({path.string(), ""}) != nullptr;
                fs.write(path, journaled ? state[i] : originals[i]);
            }
            RestoreReport report = restore_all(journal, fs.layout());
            ASSERT_TRUE(report.ok()) << "cut at " << cut;
            for (size_t i = 0; i < files.size(); ++i)
                ASSERT_EQ(file_slice(fs.read(fs.app_file("cpu", files[i])), SliceOf::Whole, ""),
                          file_slice(originals[i], SliceOf::Whole, ""))
                    << files[i] << ", journal cut at byte " << cut << " of " << full.size();
        }
    }
}

TEST(Restore, FromACrashAtEveryByteOfTheJournalV2) {
    crash_everywhere(FakeCgroupfs::Shape::V2, {"cpu.max", "cpu.weight"});
}

TEST(Restore, FromACrashAtEveryByteOfTheJournalV1) {
    crash_everywhere(FakeCgroupfs::Shape::Hybrid,
                     {"cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares"});
}

}  // namespace
}  // namespace cgw
