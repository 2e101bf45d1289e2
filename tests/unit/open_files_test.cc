// Files kept open between reads: each read is the file as it is now, the
// set stays within its capacity, and a file that cannot be opened is not kept.
#include "cgwarden/common/open_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "cgwarden/cgroup/files.h"

namespace cgw {
namespace {

class OpenFilesTest : public ::testing::Test {
  protected:
    void SetUp() override { std::filesystem::create_directories(dir_); }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path write(const std::string &name, const std::string &text) {
        // In place, as the kernel rewrites a cgroup file: the same inode.
        std::ofstream(dir_ / name, std::ios::in | std::ios::out | std::ios::trunc) << text;
        return dir_ / name;
    }
    std::filesystem::path dir_ =
        std::filesystem::temp_directory_path() / ("cgw-open-files-" + std::to_string(::getpid()));
};

TEST_F(OpenFilesTest, EachReadIsTheFileAsItIsNow) {
    OpenFiles files(4);
    std::ofstream(dir_ / "cpu.stat") << "";
    auto path = write("cpu.stat", "usage_usec 10\n");
    EXPECT_EQ(files.read(path).value(), "usage_usec 10\n");
    EXPECT_EQ(files.size(), 1u);
    write("cpu.stat", "usage_usec 2\n");
    EXPECT_EQ(files.read(path).value(), "usage_usec 2\n") << "read from the start, not on";
    EXPECT_EQ(files.size(), 1u) << "kept, not opened again";
}

TEST_F(OpenFilesTest, AFileLongerThanOneReadIsReadWhole) {
    OpenFiles files(4);
    std::ofstream(dir_ / "io.stat") << "";
    std::string text;
    for (int i = 0; text.size() < 3 * 8192 + 7; ++i)
        text += "8:" + std::to_string(i) + " rbytes=1 wbytes=2\n";
    auto path = write("io.stat", text);
    EXPECT_EQ(files.read(path).value(), text) << "first read, by path";
    EXPECT_EQ(files.read(path).value(), text) << "kept file, from offset 0";
}

TEST_F(OpenFilesTest, StaysWithinItsCapacityAndKeepsNoFileItCouldNotOpen) {
    OpenFiles files(2);
    for (int i = 0; i < 5; ++i) {
        auto path = dir_ / ("f" + std::to_string(i));
        std::ofstream(path) << i;
        EXPECT_EQ(files.read(path).value(), std::to_string(i));
        EXPECT_LE(files.size(), 2u);
    }
    auto missing = files.read(dir_ / "missing");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ENOENT) << missing.error().message;
    EXPECT_EQ(missing.error().context("sampling").code, ENOENT) << "context keeps the code";
    EXPECT_NE(missing.error().message.find("No such file"), std::string::npos)
        << missing.error().message;
    EXPECT_LE(files.size(), 2u);
    EXPECT_EQ(read_file(dir_ / "f4", nullptr).value(), "4") << "without a set: read_file";
}

}  // namespace
}  // namespace cgw

namespace cgw {
namespace {

TEST(InHierarchy, JoinsMountCgroupAndFileWithOneSlashEach) {
    EXPECT_EQ(in_hierarchy("/sys/fs/cgroup", "/", "cpu.stat"), "/sys/fs/cgroup/cpu.stat");
    EXPECT_EQ(in_hierarchy("/sys/fs/cgroup/", "/a/b", "cpu.stat"), "/sys/fs/cgroup/a/b/cpu.stat");
    EXPECT_EQ(in_hierarchy("/sys/fs/cgroup/cpu", "a/b/", "tasks"), "/sys/fs/cgroup/cpu/a/b/tasks");
    EXPECT_EQ(in_hierarchy("/sys/fs/cgroup", "", "cgroup.procs"), "/sys/fs/cgroup/cgroup.procs");
}

}  // namespace
}  // namespace cgw
