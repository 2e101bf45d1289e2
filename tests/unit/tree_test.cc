#include "cgwarden/cgroup/tree.h"

#include <gtest/gtest.h>

#include <fstream>
#include <type_traits>

#include "cgwarden/common/strings.h"
#include "fake_hierarchy.h"

namespace cgw {
namespace {

class CgroupTreeTest : public ::testing::Test {
  protected:
    test::FakeHierarchy fake_{"app/web", "batch"};
    const std::filesystem::path &root_ = fake_.root();
    CpuCgroupId inode(const std::filesystem::path &p) {
        return CpuCgroupId(fake_.id(p.lexically_relative(root_).string()));
    }
};

TEST_F(CgroupTreeTest, ResolvesBothWays) {
    CpuCgroupTree tree(root_);
    EXPECT_EQ(tree.path_of(inode(root_)), "/");
    EXPECT_EQ(tree.path_of(inode(root_ / "app" / "web")), "/app/web");
    EXPECT_EQ(tree.id_of("/app/web"), inode(root_ / "app" / "web"));
    EXPECT_EQ(tree.id_of("/"), inode(root_));
    EXPECT_FALSE(tree.id_of("/nope"));
    EXPECT_EQ(tree.paths_by_id().size(), 4u);
}

TEST_F(CgroupTreeTest, AMissRescansAndFindsNewCgroups) {
    CpuCgroupTree tree(root_);
    std::filesystem::create_directory(root_ / "late");
    EXPECT_EQ(tree.path_of(inode(root_ / "late")), "/late");
}

TEST_F(CgroupTreeTest, RemovedCgroupsAreForgottenOnRescan) {
    CpuCgroupTree tree(root_);
    CpuCgroupId batch = inode(root_ / "batch");
    std::filesystem::remove(root_ / "batch");
    tree.rescan();
    EXPECT_FALSE(tree.path_of(batch));
    EXPECT_EQ(tree.paths_by_id().count(batch), 0u);
}

TEST_F(CgroupTreeTest, FollowingEventsItLearnsMadeAndRemovedCgroupsWithoutWalking) {
    CpuCgroupTree tree(root_);
    tree.follow_events();
    std::filesystem::create_directories(root_ / "app" / "api");
    std::filesystem::create_directory(root_ / "unseen");  // no event: a walk would find it
    CpuCgroupId api = inode(root_ / "app" / "api");
    tree.apply({CgroupEvent::Kind::Made, api.value, "/app/api"});
    tree.refresh();
    EXPECT_EQ(tree.path_of(api), "/app/api");
    EXPECT_FALSE(tree.path_of(inode(root_ / "unseen"))) << "no walk: events keep it current";

    CpuCgroupId batch = inode(root_ / "batch");
    std::filesystem::remove(root_ / "batch");
    tree.apply({CgroupEvent::Kind::Removed, batch.value, "/batch"});
    EXPECT_EQ(tree.paths_by_id().count(batch), 0u);
}

TEST_F(CgroupTreeTest, EventsOfOtherHierarchiesAndStaleOnesAreIgnored) {
    CpuCgroupTree tree(root_);
    tree.follow_events();
    CpuCgroupId web = inode(root_ / "app" / "web");
    // Another hierarchy's cgroup at a path this one also has: another id.
    tree.apply({CgroupEvent::Kind::Made, web.value + 1000, "/app/web"});
    tree.apply({CgroupEvent::Kind::Removed, web.value + 1000, "/app/web"});
    EXPECT_EQ(tree.path_of(web), "/app/web");
    EXPECT_EQ(tree.paths_by_id().count(CpuCgroupId(web.value + 1000)), 0u);
    // Made and removed before the event was read: nothing to add.
    tree.apply({CgroupEvent::Kind::Made, 4242, "/gone"});
    EXPECT_EQ(tree.paths_by_id().count(CpuCgroupId(4242)), 0u);
    // A removal of a path this tree knows under another id.
    tree.apply({CgroupEvent::Kind::Removed, web.value, "/batch"});
    EXPECT_EQ(tree.path_of(web), "/app/web");
}

TEST_F(CgroupTreeTest, ARenameOrLostEventsMakeTheNextRefreshWalk) {
    CpuCgroupTree tree(root_);
    tree.follow_events();
    CpuCgroupId web = inode(root_ / "app" / "web");
    std::filesystem::rename(root_ / "app", root_ / "apps");
    tree.apply({CgroupEvent::Kind::Renamed, inode(root_ / "apps").value, "/apps"});
    tree.refresh();
    EXPECT_EQ(tree.path_of(web), "/apps/web") << "the subtree's paths changed too";

    std::filesystem::create_directory(root_ / "missed");
    tree.events_lost();
    tree.refresh();
    EXPECT_EQ(tree.path_of(inode(root_ / "missed")), "/missed");
}

TEST_F(CgroupTreeTest, NotFollowingEventsEveryRefreshWalks) {
    CpuCgroupTree tree(root_);
    std::filesystem::create_directory(root_ / "late");
    tree.refresh();
    EXPECT_EQ(tree.paths_by_id().count(inode(root_ / "late")), 1u);
}

TEST_F(CgroupTreeTest, CountsCgroupsWithTasksOfTheirOwnInEitherHierarchy) {
    auto write = [&](const std::string &file, const std::string &text) {
        std::ofstream(root_ / file) << text;
    };
    write("cgroup.threads", "1\n2\n");  // cgroup2 root
    write("app/cgroup.threads", "");    // a parent without tasks
    write("app/web/cgroup.threads", "42\n");
    write("batch/tasks", "7\n");  // v1
    CpuCgroupTree tree(root_);
    EXPECT_EQ(count_cgroups_with_tasks(tree), 3u);
}

// The id spaces of a hybrid node's hierarchies do not mix: an IO id is no
// CPU id, and neither comes from a bare number without saying which it is.
static_assert(!std::is_convertible_v<IoCgroupId, CpuCgroupId>);
static_assert(!std::is_convertible_v<NetCgroupId, CpuCgroupId>);
static_assert(!std::is_convertible_v<CpuCgroupId, NetCgroupId>);
static_assert(!std::is_convertible_v<uint64_t, CpuCgroupId>);
static_assert(!std::is_convertible_v<CpuCgroupId, uint64_t>);
static_assert(!std::is_invocable_v<decltype(&CpuCgroupTree::path_of), CpuCgroupTree &, IoCgroupId>);

TEST(RelativeCgroupPath, IsSlashRootedAndRelativeToTheMount) {
    EXPECT_EQ(relative_cgroup_path("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu"), "/");
    EXPECT_EQ(relative_cgroup_path("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu/a/b"), "/a/b");
}

}  // namespace
}  // namespace cgw

namespace cgw {
namespace {

TEST(CgroupPaths, AncestorsByWholeComponents) {
    EXPECT_TRUE(is_ancestor_path("/a", "/a/b"));
    EXPECT_TRUE(is_ancestor_path("/a", "/a/b/c"));
    EXPECT_TRUE(is_ancestor_path("/", "/a"));
    EXPECT_FALSE(is_ancestor_path("/a", "/ab")) << "not a prefix of a name";
    EXPECT_FALSE(is_ancestor_path("/a", "/a")) << "not its own";
    EXPECT_FALSE(is_ancestor_path("/", "/"));
    EXPECT_FALSE(is_ancestor_path("/a/b", "/a"));
}

}  // namespace
}  // namespace cgw
