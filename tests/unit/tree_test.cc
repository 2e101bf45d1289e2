#include "cgwarden/cgroup/tree.h"

#include <gtest/gtest.h>

#include <fstream>

#include "cgwarden/common/strings.h"
#include "fake_hierarchy.h"

namespace cgw {
namespace {

class CgroupTreeTest : public ::testing::Test {
  protected:
    test::FakeHierarchy fake_{"app/web", "batch"};
    const std::filesystem::path &root_ = fake_.root();
    uint64_t inode(const std::filesystem::path &p) {
        return fake_.id(p.lexically_relative(root_).string());
    }
};

TEST_F(CgroupTreeTest, ResolvesBothWays) {
    CgroupTree tree(root_);
    EXPECT_EQ(tree.path_of(inode(root_)), "/");
    EXPECT_EQ(tree.path_of(inode(root_ / "app" / "web")), "/app/web");
    EXPECT_EQ(tree.id_of("/app/web"), inode(root_ / "app" / "web"));
    EXPECT_EQ(tree.id_of("/"), inode(root_));
    EXPECT_FALSE(tree.id_of("/nope"));
    EXPECT_EQ(tree.paths_by_id().size(), 4u);
}

TEST_F(CgroupTreeTest, AMissRescansAndFindsNewCgroups) {
    CgroupTree tree(root_);
    std::filesystem::create_directory(root_ / "late");
    EXPECT_EQ(tree.path_of(inode(root_ / "late")), "/late");
}

TEST_F(CgroupTreeTest, RemovedCgroupsAreForgottenOnRescan) {
    CgroupTree tree(root_);
    uint64_t batch = inode(root_ / "batch");
    std::filesystem::remove(root_ / "batch");
    tree.rescan();
    EXPECT_FALSE(tree.path_of(batch));
    EXPECT_EQ(tree.paths_by_id().count(batch), 0u);
}

TEST_F(CgroupTreeTest, FollowingEventsItLearnsMadeAndRemovedCgroupsWithoutWalking) {
    CgroupTree tree(root_);
    tree.follow_events();
    std::filesystem::create_directories(root_ / "app" / "api");
    std::filesystem::create_directory(root_ / "unseen");  // no event: a walk would find it
    uint64_t api = inode(root_ / "app" / "api");
    tree.apply({CgroupEvent::Kind::Made, api, "/app/api"});
    tree.refresh();
    EXPECT_EQ(tree.path_of(api), "/app/api");
    EXPECT_FALSE(tree.path_of(inode(root_ / "unseen"))) << "no walk: events keep it current";

    uint64_t batch = inode(root_ / "batch");
    std::filesystem::remove(root_ / "batch");
    tree.apply({CgroupEvent::Kind::Removed, batch, "/batch"});
    EXPECT_EQ(tree.paths_by_id().count(batch), 0u);
}

TEST_F(CgroupTreeTest, EventsOfOtherHierarchiesAndStaleOnesAreIgnored) {
    CgroupTree tree(root_);
    tree.follow_events();
    uint64_t web = inode(root_ / "app" / "web");
    // Another hierarchy's cgroup at a path this one also has: another id.
    tree.apply({CgroupEvent::Kind::Made, web + 1000, "/app/web"});
    tree.apply({CgroupEvent::Kind::Removed, web + 1000, "/app/web"});
    EXPECT_EQ(tree.path_of(web), "/app/web");
    EXPECT_EQ(tree.paths_by_id().count(web + 1000), 0u);
    // Made and removed before the event was read: nothing to add.
    tree.apply({CgroupEvent::Kind::Made, 4242, "/gone"});
    EXPECT_EQ(tree.paths_by_id().count(4242), 0u);
    // A removal of a path this tree knows under another id.
    tree.apply({CgroupEvent::Kind::Removed, web, "/batch"});
    EXPECT_EQ(tree.path_of(web), "/app/web");
}

TEST_F(CgroupTreeTest, ARenameOrLostEventsMakeTheNextRefreshWalk) {
    CgroupTree tree(root_);
    tree.follow_events();
    uint64_t web = inode(root_ / "app" / "web");
    std::filesystem::rename(root_ / "app", root_ / "apps");
    tree.apply({CgroupEvent::Kind::Renamed, inode(root_ / "apps"), "/apps"});
    tree.refresh();
    EXPECT_EQ(tree.path_of(web), "/apps/web") << "the subtree's paths changed too";

    std::filesystem::create_directory(root_ / "missed");
    tree.events_lost();
    tree.refresh();
    EXPECT_EQ(tree.path_of(inode(root_ / "missed")), "/missed");
}

TEST_F(CgroupTreeTest, NotFollowingEventsEveryRefreshWalks) {
    CgroupTree tree(root_);
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
    CgroupTree tree(root_);
    EXPECT_EQ(count_cgroups_with_tasks(tree), 3u);
}

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
