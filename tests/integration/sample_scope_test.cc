// What a pass reads of the cgroup files (SampleScope), seen from the kernel:
// inotify reports every open of a watched cpu.stat, so the test knows which
// files take_sample opened and which readings it carried over.
#include <gtest/gtest.h>
#include <sys/inotify.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "cgwarden/cgroup/tree.h"
#include "cgwarden/common/unique_fd.h"
#include "cgwarden/sensor/cpu_sensor.h"
#include "cgwarden/sensor/sample.h"
#include "root_kernel_test.h"
#include "test_cgroup.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using test::TestCgroup;

// The files among `files` that were opened since the watch began.
class OpenWatch {
  public:
    explicit OpenWatch(const std::map<std::string, std::filesystem::path> &files)
        : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
        EXPECT_TRUE(fd_.valid()) << "inotify_init1: " << std::strerror(errno);
        for (const auto &[name, file] : files) {
            int wd = ::inotify_add_watch(fd_.get(), file.c_str(), IN_OPEN);
            EXPECT_GE(wd, 0) << file << ": " << std::strerror(errno);
            names_[wd] = name;
        }
    }

    std::set<std::string> opened() {
        std::set<std::string> out;
        alignas(inotify_event) char buf[4096];
        ssize_t n;
        while ((n = ::read(fd_.get(), buf, sizeof buf)) > 0) {
            for (char *p = buf; p < buf + n;) {
                const auto *event = reinterpret_cast<const inotify_event *>(p);
                out.insert(names_[event->wd]);
                p += sizeof(inotify_event) + event->len;
            }
        }
        EXPECT_EQ(errno, EAGAIN) << std::strerror(errno);
        return out;
    }

  private:
    UniqueFd fd_;
    std::map<int, std::string> names_;
};

class SampleScopeTest : public test::RootKernelTest {};

TEST_F(SampleScopeTest, APassReadsTheCgroupsThatDidSomethingAndCarriesTheRest) {
    TestCgroup busy(layout_, "scope-busy");
    TestCgroup idle(layout_, "scope-idle");
    TestCgroup held(layout_, "scope-held");
    TestCgroup watched(layout_, "scope-watched");
    busy.spawn({test::tool_path("wakeloop"), "--sleep-us", "1000", "--work-us", "100"});
    auto sensor = CpuSensor::open(features_, CpuCgroupTree(layout_.cpu_ids_mount()), std::nullopt);
    ASSERT_TRUE(sensor) << sensor.error().message;
    CpuCgroupTree tree(*layout_.mount_for("cpu"));

    auto first = take_sample(**sensor, layout_, tree);
    ASSERT_TRUE(first) << first.error().message;
    auto idle_id = tree.id_of(idle.path());
    auto held_id = tree.id_of(held.path());
    auto watched_id = tree.id_of(watched.path());
    ASSERT_TRUE(idle_id && held_id && watched_id);
    ASSERT_TRUE(first->cpu_stat.count(*idle_id)) << "the first sample reads every cgroup";

    std::map<std::string, std::filesystem::path> files;
    for (const TestCgroup *cg : {&busy, &idle, &held, &watched})
        files[cg->path()] = cg->dir("cpu") / "cpu.stat";
    OpenWatch watch(files);
    std::this_thread::sleep_for(300ms);  // the wakeloop waits for a CPU ~300 times
    SampleScope scope{
        .previous = &*first, .always = {*held_id, *watched_id}, .cpu_pressure = false};
    auto second = take_sample(**sensor, layout_, tree, scope);
    ASSERT_TRUE(second) << second.error().message;

    // The busy cgroup's tasks waited: read; the held and the watched ones
    // are read whatever they did; the idle one is carried over.
    EXPECT_EQ(watch.opened(), (std::set<std::string>{busy.path(), held.path(), watched.path()}));
    ASSERT_TRUE(second->cpu_stat.count(*idle_id));
    EXPECT_EQ(second->cpu_stat.at(*idle_id).usage_ns, first->cpu_stat.at(*idle_id).usage_ns);
    EXPECT_TRUE(second->cpu_psi.empty()) << "the daemon's scope leaves cpu.pressure";

    // A tree kept current by events (as the daemon's) that saw no cgroup
    // made or removed: the readings are copied whole and the same cgroups
    // read, without a walk.
    tree.follow_events();
    OpenWatch watch_again(files);
    std::this_thread::sleep_for(300ms);
    scope.previous = &*second;
    auto third = take_sample(**sensor, layout_, tree, scope);
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_EQ(third->cpu_tree_generation, second->cpu_tree_generation) << "no walk";
    EXPECT_EQ(watch_again.opened(),
              (std::set<std::string>{busy.path(), held.path(), watched.path()}));
    EXPECT_EQ(third->cpu_stat.size(), tree.paths_by_id().size()) << "every cgroup has a reading";
    EXPECT_EQ(third->cpu_stat.at(*idle_id).usage_ns, first->cpu_stat.at(*idle_id).usage_ns);
    auto busy_id = tree.id_of(busy.path());
    ASSERT_TRUE(busy_id);
    EXPECT_GT(third->cpu_stat.at(*busy_id).usage_ns, second->cpu_stat.at(*busy_id).usage_ns)
        << "read again: its wakeloop ran";
}

// A cgroup file kept open from pass to pass reads its cgroup's figures as
// they are now; once the cgroup is removed the kept file fails (the kernel
// says ENODEV), and a cgroup made again at the same path is read afresh,
// not as the old one.
TEST_F(SampleScopeTest, AKeptCgroupFileFollowsItsCgroupAcrossRemovalAndRemaking) {
    OpenFiles files(16);
    std::string path;
    {
        TestCgroup busy(layout_, "kept");
        path = busy.path();
        ASSERT_TRUE(read_cpu_stat(layout_, path, &files));
        ASSERT_GE(files.size(), 1u) << "kept open";
        busy.run({"/bin/sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"});
        auto stat = read_cpu_stat(layout_, path, &files);
        ASSERT_TRUE(stat) << stat.error().message;
        EXPECT_GT(stat->usage_ns, 10'000'000u) << "the loop's CPU time, read through the kept file";
    }
    EXPECT_FALSE(read_cpu_stat(layout_, path, &files)) << "the cgroup is gone";
    TestCgroup again(layout_, "kept");
    ASSERT_EQ(again.path(), path);
    auto fresh = read_cpu_stat(layout_, path, &files);
    ASSERT_TRUE(fresh) << fresh.error().message;
    EXPECT_LT(fresh->usage_ns, 10'000'000u) << "the new cgroup's own figures, not the old one's";
}

}  // namespace
}  // namespace cgw
