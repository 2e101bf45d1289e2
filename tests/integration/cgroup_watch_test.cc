// The cgroup events on the real kernel: every mkdir, rmdir and rename in
// cgroupfs reaches the daemon with the directory's inode and its path, and a
// tree that follows them stays what a fresh walk finds, however fast
// cgroups come and go (cgroup/tree.h, sensor/cgroup_watch.h).
#include "cgwarden/sensor/cgroup_watch.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "cgwarden/cgroup/tree.h"
#include "root_kernel_test.h"
#include "test_cgroup.h"

namespace cgw {
namespace {

using test::TestCgroup;

uint64_t inode_of(const std::filesystem::path &dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
        throw std::runtime_error("stat " + dir.string());
    return st.st_ino;
}

// The entries of `paths` under `prefix`.
template <class Id>
std::map<Id, std::string> under(const std::map<Id, std::string> &paths, const std::string &prefix) {
    std::map<Id, std::string> out;
    for (const auto &[id, path] : paths)
        if (path.starts_with(prefix))
            out.emplace(id, path);
    return out;
}

class CgroupWatchTest : public test::RootKernelTest {
  protected:
    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        if (!features_.ringbuf)
            GTEST_SKIP() << "no BPF ring buffer on this kernel (5.8+)";
        auto watch = CgroupWatch::open(features_);
        ASSERT_TRUE(watch) << watch.error().message;
        watch_ = std::move(watch).value();
    }

    std::vector<CgroupEvent> drain() {
        std::vector<CgroupEvent> events;
        auto n = watch_->drain([&](const CgroupEvent &e) { events.push_back(e); });
        EXPECT_TRUE(n) << n.error().message;
        return events;
    }

    std::unique_ptr<CgroupWatch> watch_;
};

// The events of the test's own cgroups, in order.
std::vector<CgroupEvent> of(const std::vector<CgroupEvent> &events, const std::string &parent) {
    std::vector<CgroupEvent> out;
    for (const CgroupEvent &e : events)
        if (e.path.starts_with(parent + "/"))
            out.push_back(e);
    return out;
}

TEST_F(CgroupWatchTest, MkdirAndRmdirArriveWithTheInodeAndPath) {
    TestCgroup parent(layout_, "watch", {test::kCgroup2});
    const std::filesystem::path base = parent.dir(test::kCgroup2);
    drain();
    std::filesystem::create_directory(base / "a");
    uint64_t id = inode_of(base / "a");
    std::filesystem::remove(base / "a");

    auto seen = of(drain(), parent.path());
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].kind, CgroupEvent::Kind::Made);
    EXPECT_EQ(seen[1].kind, CgroupEvent::Kind::Removed);
    for (const CgroupEvent &e : seen) {
        EXPECT_EQ(e.path, parent.path() + "/a");
        EXPECT_EQ(e.id, id) << e.path;
    }
    auto lost = watch_->lost();
    ASSERT_TRUE(lost) << lost.error().message;
    EXPECT_EQ(*lost, 0u);
}

// cgroup2 refuses renames (EPERM); v1 hierarchies allow them.
TEST_F(CgroupWatchTest, ARenameInAV1HierarchyArrivesWithTheNewPath) {
    auto cpu = layout_.v1.find("cpu");
    if (cpu == layout_.v1.end())
        GTEST_SKIP() << "no v1 cpu hierarchy: cgroup2 cgroups cannot be renamed";
    TestCgroup parent(layout_, "rename", {"cpu"});
    const std::filesystem::path base = parent.dir("cpu");
    std::filesystem::create_directory(base / "a");
    uint64_t id = inode_of(base / "a");
    drain();
    std::filesystem::rename(base / "a", base / "b");
    std::filesystem::remove(base / "b");

    auto seen = of(drain(), parent.path());
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].kind, CgroupEvent::Kind::Renamed);
    EXPECT_EQ(seen[0].path, parent.path() + "/b");
    EXPECT_EQ(seen[0].id, id);
    EXPECT_EQ(seen[1].kind, CgroupEvent::Kind::Removed);
}

// Cgroups made and removed, nested, as fast as one thread can, while the
// tree follows the events: afterwards it holds exactly what a walk finds,
// in the cpu hierarchy (v1 on hybrid nodes) and in cgroup2.
TEST_F(CgroupWatchTest, ATreeFollowingTheEventsEqualsAFreshWalkAfterChurn) {
    TestCgroup parent(layout_, "churn", {"cpu", test::kCgroup2});
    std::vector<std::filesystem::path> mounts{layout_.cpu_ids_mount()};
    if (layout_.unified && *layout_.unified != mounts[0])
        mounts.push_back(*layout_.unified);
    // The walk and the events are the same in every hierarchy; the tree's
    // type only names whose ids it holds.
    std::vector<CpuCgroupTree> trees;
    for (const auto &mount : mounts) {
        trees.emplace_back(mount);
        trees.back().follow_events();
    }
    std::vector<std::filesystem::path> bases;
    for (const auto &mount : mounts)
        bases.push_back(mount / parent.path().substr(1));

    std::atomic<bool> done = false;
    std::thread churn([&] {
        for (int i = 0; i < 300; ++i) {
            for (const auto &base : bases) {
                std::error_code ec;
                std::filesystem::create_directories(
                    base / ("g" + std::to_string(i % 7)) / ("c" + std::to_string(i)), ec);
                if (i >= 20)  // keep the last 20 of every run
                    std::filesystem::remove(base / ("g" + std::to_string((i - 20) % 7)) /
                                                ("c" + std::to_string(i - 20)),
                                            ec);
            }
        }
        done = true;
    });
    auto apply_all = [&] {
        watch_->drain([&](const CgroupEvent &e) {
            for (CpuCgroupTree &tree : trees)
                tree.apply(e);
        });
    };
    while (!done)
        apply_all();
    churn.join();
    apply_all();

    auto lost = watch_->lost();
    ASSERT_TRUE(lost);
    ASSERT_EQ(*lost, 0u) << "the ring overflowed: the trees would walk, not follow";
    for (size_t i = 0; i < mounts.size(); ++i) {
        trees[i].refresh();  // costs nothing: no rename, nothing lost
        auto followed = under(trees[i].paths_by_id(), parent.path());
        auto walked = under(CpuCgroupTree(mounts[i]).paths_by_id(), parent.path());
        EXPECT_EQ(followed.size(), 1u + 7u + 20u) << mounts[i];
        EXPECT_EQ(followed, walked) << mounts[i];
    }
}

// A walk while cgroups vanish under it still finds every cgroup that stays.
TEST_F(CgroupWatchTest, AWalkThatLosesDirectoriesOnTheWayCompletes) {
    TestCgroup parent(layout_, "walk", {test::kCgroup2});
    const std::filesystem::path base = parent.dir(test::kCgroup2);
    for (int i = 0; i < 50; ++i)
        std::filesystem::create_directories(base / ("stay" + std::to_string(i)) / "leaf");
    std::atomic<bool> done = false;
    std::thread churn([&] {
        for (int i = 0; !done; ++i) {
            std::error_code ec;
            auto dir = base / ("go" + std::to_string(i % 40));
            std::filesystem::create_directories(dir / "leaf", ec);
            std::filesystem::remove(dir / "leaf", ec);
            std::filesystem::remove(dir, ec);
        }
    });
    int short_walks = 0;
    for (int i = 0; i < 200; ++i) {
        auto found = under(NetCgroupTree(*layout_.unified).paths_by_id(), parent.path() + "/stay");
        if (found.size() != 100u)
            ++short_walks;
    }
    done = true;
    churn.join();
    EXPECT_EQ(short_walks, 0) << "walks that missed cgroups that were there throughout";
}

}  // namespace
}  // namespace cgw
