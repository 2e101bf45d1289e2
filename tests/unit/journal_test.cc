#include "cgwarden/actuator/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace cgw {
namespace {

class JournalTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("cgw-journal-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    Journal open() {
        auto j = Journal::open(dir_);
        if (!j)
            throw std::runtime_error(j.error().message);
        return std::move(j).value();
    }
    std::string bytes() {
        std::ifstream in(dir_ / "journal", std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    void set_bytes(const std::string &b) {
        std::ofstream(dir_ / "journal", std::ios::binary | std::ios::trunc) << b;
    }

    std::filesystem::path dir_;
    const JournalKey cpu_{"/sys/fs/cgroup/app/cpu.max", ""};
    // Blanks, a newline, '%' and a lone "-" must survive the line format.
    const JournalKey odd_{"/sys/fs/cgroup/my app/io.max", "8:0"};
};

TEST_F(JournalTest, ReplaysWhatWasRecorded) {
    {
        Journal j = open();
        ASSERT_TRUE(j.record_original(cpu_, "max 100000"));
        ASSERT_TRUE(j.record_written(cpu_, "50000 100000"));
        ASSERT_TRUE(j.record_original(odd_, "8:0 rbps=1%\nx"));
        ASSERT_TRUE(j.record_written(odd_, "-"));
    }
    Journal j = open();
    EXPECT_EQ(j.dropped_lines(), 0u);
    ASSERT_EQ(j.entries().size(), 2u);
    EXPECT_EQ(j.entries()[0].key, cpu_);
    EXPECT_EQ(j.entries()[0].restore, "max 100000");
    EXPECT_EQ(j.entries()[0].written, "50000 100000");
    EXPECT_EQ(j.entries()[1].key, odd_);
    EXPECT_EQ(j.entries()[1].restore, "8:0 rbps=1%\nx");
    EXPECT_EQ(j.entries()[1].written, "-");
}

TEST_F(JournalTest, OriginalAgainReplacesItAndForgetsOurWrite) {
    Journal j = open();
    ASSERT_TRUE(j.record_original(cpu_, "max 100000"));
    ASSERT_TRUE(j.record_written(cpu_, "50000 100000"));
    ASSERT_TRUE(j.record_original(cpu_, "20000 100000"));
    ASSERT_EQ(j.entries().size(), 1u);
    EXPECT_EQ(j.entries()[0].restore, "20000 100000");
    EXPECT_FALSE(j.entries()[0].written);
}

TEST_F(JournalTest, RestoredEntriesLeaveAndCompactionEmptiesTheFile) {
    {
        Journal j = open();
        ASSERT_TRUE(j.record_original(cpu_, "max 100000"));
        ASSERT_TRUE(j.record_original(odd_, ""));
        ASSERT_TRUE(j.record_restored(cpu_));
        ASSERT_EQ(j.entries().size(), 1u);
        ASSERT_TRUE(j.compact());
        std::string compacted = bytes();
        EXPECT_EQ(std::count(compacted.begin(), compacted.end(), '\n'), 1);
        ASSERT_TRUE(j.record_restored(odd_));
        ASSERT_TRUE(j.compact());
        EXPECT_EQ(bytes(), "");
        ASSERT_TRUE(j.record_original(cpu_, "1")) << "appends after compaction";
    }
    EXPECT_EQ(open().entries().size(), 1u);
}

// A crash while appending leaves any prefix of the last record: each one is
// recognised, dropped and cut off, and what came before is intact.
TEST_F(JournalTest, ATornLastRecordIsDroppedAtEveryByte) {
    {
        Journal j = open();
        ASSERT_TRUE(j.record_original(cpu_, "max 100000"));
    }
    const std::string before = bytes();
    {
        Journal j = open();
        ASSERT_TRUE(j.record_written(cpu_, "50000 100000"));
    }
    const std::string after = bytes();
    for (size_t cut = before.size(); cut < after.size(); ++cut) {
        set_bytes(after.substr(0, cut));
        Journal j = open();
        ASSERT_EQ(j.entries().size(), 1u) << "cut at " << cut;
        EXPECT_FALSE(j.entries()[0].written) << "cut at " << cut;
        EXPECT_EQ(j.dropped_lines(), cut > before.size() ? 1u : 0u);
        EXPECT_EQ(bytes(), before) << "the torn part is cut off, cut at " << cut;
        ASSERT_TRUE(j.record_written(cpu_, "1 100000"));
    }
    set_bytes(after);
    EXPECT_EQ(open().entries()[0].written, "50000 100000");
}

TEST_F(JournalTest, DamagedLinesAreSkippedAndCounted) {
    {
        Journal j = open();
        ASSERT_TRUE(j.record_original(cpu_, "max 100000"));
        ASSERT_TRUE(j.record_original(odd_, "x"));
    }
    std::string b = bytes();
    b[12] ^= 1;  // a flipped bit in the first record
    set_bytes(b);
    Journal j = open();
    EXPECT_EQ(j.dropped_lines(), 1u);
    ASSERT_EQ(j.entries().size(), 1u);
    EXPECT_EQ(j.entries()[0].key, odd_);
}

TEST_F(JournalTest, OneProcessAtATime) {
    Journal first = open();
    auto second = Journal::open(dir_);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("in use by another cgwarden process"), std::string::npos);
}

TEST_F(JournalTest, PeekReadsTheEntriesWhileAnotherProcessHoldsIt) {
    EXPECT_FALSE(Journal::peek(dir_.string() + "-none")) << "no such directory";
    Journal held = open();
    ASSERT_TRUE(held.record_original(cpu_, "max 100000"));
    ASSERT_TRUE(held.record_written(cpu_, "50000 100000"));
    ASSERT_TRUE(held.record_original(odd_, "8:0 rbps=max"));
    ASSERT_TRUE(held.record_restored(odd_));
    auto peeked = Journal::peek(dir_);
    ASSERT_TRUE(peeked) << peeked.error().message;
    ASSERT_EQ(peeked->size(), 1u);
    EXPECT_EQ((*peeked)[0].key, cpu_);
    EXPECT_EQ((*peeked)[0].restore, "max 100000");
    EXPECT_EQ((*peeked)[0].written, "50000 100000");
}

// The journal says what restore writes where: no one but cgwarden's own
// user may be able to put a line in it.
TEST_F(JournalTest, AStateDirectoryOthersCanWriteOrASymlinkIsRefused) {
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::all);  // 0777
    auto open_777 = Journal::open(dir_);
    ASSERT_FALSE(open_777);
    EXPECT_NE(open_777.error().message.find("is writable by group or others (mode 0777)"),
              std::string::npos)
        << open_777.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "journal")) << "nothing created in it";

    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all |
                                           std::filesystem::perms::group_read |
                                           std::filesystem::perms::group_exec);  // 0750
    EXPECT_TRUE(Journal::open(dir_)) << "readable by others is fine";

    auto link = dir_;
    link += "-link";
    std::filesystem::remove(link);
    std::filesystem::create_directory_symlink(dir_, link);
    auto via_link = Journal::open(link);
    std::filesystem::remove(link);
    ASSERT_FALSE(via_link);
    EXPECT_NE(via_link.error().message.find("is not a directory (a symlink?)"), std::string::npos)
        << via_link.error().message;
}

TEST_F(JournalTest, AJournalThatIsASymlinkIsNotFollowed) {
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    auto target = dir_;
    target += "-elsewhere";
    std::ofstream(target) << "";
    std::filesystem::create_symlink(target, dir_ / "journal");
    auto journal = Journal::open(dir_);
    std::filesystem::remove(target);
    ASSERT_FALSE(journal);
    EXPECT_NE(journal.error().message.find("Too many levels of symbolic links"), std::string::npos)
        << journal.error().message;
}

}  // namespace
}  // namespace cgw
