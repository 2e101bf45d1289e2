#include "cgwarden/policy/glob.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

TEST(Glob, StarStaysWithinAComponent) {
    EXPECT_TRUE(glob_match("/batch/*", "/batch/job1"));
    EXPECT_FALSE(glob_match("/batch/*", "/batch/job1/step"));
    EXPECT_FALSE(glob_match("/batch/*", "/batch"));
    EXPECT_TRUE(glob_match("/system.slice/*.service", "/system.slice/kubelet.service"));
    EXPECT_FALSE(glob_match("/system.slice/*.service", "/system.slice/a.scope"));
    EXPECT_TRUE(glob_match("/app/we?", "/app/web"));
    EXPECT_TRUE(glob_match("/app/[wx]eb", "/app/web"));
}

TEST(Glob, DoubleStarSpansAnyNumberOfComponents) {
    EXPECT_TRUE(glob_match("/batch/**", "/batch"));
    EXPECT_TRUE(glob_match("/batch/**", "/batch/a"));
    EXPECT_TRUE(glob_match("/batch/**", "/batch/a/b/c"));
    EXPECT_FALSE(glob_match("/batch/**", "/batchy/a"));
    EXPECT_TRUE(glob_match("/**/cri-containerd-*.scope",
                           "/kubepods.slice/kubepods-pod1.slice/cri-containerd-ab.scope"));
    EXPECT_TRUE(glob_match("/a/**/z", "/a/z"));
    EXPECT_TRUE(glob_match("/a/**/z", "/a/b/c/z"));
    EXPECT_FALSE(glob_match("/a/**/z", "/a/b/c/y"));
    EXPECT_TRUE(glob_match("/**", "/"));
}

TEST(Glob, ExactPathsAndTrailingSlashes) {
    EXPECT_TRUE(glob_match("/system.slice/kubelet.service", "/system.slice/kubelet.service"));
    EXPECT_TRUE(glob_match("/system.slice/", "/system.slice"));
    EXPECT_FALSE(glob_match("/system.slice", "/system.slice/kubelet.service"));
    EXPECT_TRUE(glob_match("/", "/"));
}

TEST(Glob, Validation) {
    EXPECT_FALSE(glob_error("/batch/**"));
    EXPECT_FALSE(glob_error("/a/[ab]*"));
    EXPECT_TRUE(glob_error("batch/*"));
    EXPECT_TRUE(glob_error("/batch/**x"));
    EXPECT_TRUE(glob_error("/a/[ab"));
}

// Many "**" against a deep path: backtracking took exponential time here
// (this test did not finish); the matcher is linear in glob times path now.
TEST(Glob, ManyDoubleStarsAgainstADeepPathAreQuick) {
    std::string glob, path;
    for (int i = 0; i < 12; ++i)
        glob += "/**";
    glob += "/x";
    for (int i = 0; i < 60; ++i)
        path += "/a";
    EXPECT_FALSE(glob_match(glob, path + "/y"));
    EXPECT_TRUE(glob_match(glob, path + "/x"));
    EXPECT_TRUE(glob_match("/**/a/**/b/**", "/a/b"));
    EXPECT_FALSE(glob_match("/**/a/**/b/**", "/b/a"));
}

}  // namespace
}  // namespace cgw
