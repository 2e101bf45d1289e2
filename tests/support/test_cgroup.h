// Real cgroups for root tests, created under a per-run parent in every
// hierarchy the test needs, and removed (with their processes) however the
// test ends.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cgwarden/cgroup/layout.h"
#include "command.h"

namespace cgw::test {

// Not a controller: the cgroup2 hierarchy, where a process's sockets belong.
// On pure v2 nodes it is the hierarchy of every controller anyway.
inline const std::string kCgroup2 = "cgroup2";
// A cgroup for a process with sockets: in the cpu hierarchy, where the
// snapshot joins entries by path, and in cgroup2, whose ids cgroup_skb sees.
inline const std::vector<std::string> kSocketCgroup = {"cpu", kCgroup2};

class TestCgroup {
  public:
    // Creates /cgw-test-<pid>-<name> in the hierarchies of `controllers`
    // (v1: one per controller; v2: cgroup2, with the controllers enabled;
    // kCgroup2 adds the cgroup2 hierarchy on hybrid nodes). "blkio" means io on v2.
    // A name "group/leaf" makes a child of the test cgroup "group", which
    // must exist, with the same controllers, as long as it does.
    TestCgroup(const CgroupLayout &layout, const std::string &name,
               const std::vector<std::string> &controllers = {"cpu", "cpuacct"});
    ~TestCgroup();
    TestCgroup(const TestCgroup &) = delete;
    TestCgroup &operator=(const TestCgroup &) = delete;

    // Path relative to the hierarchy roots, e.g. "/cgw-test-123-hog".
    const std::string &path() const { return path_; }
    // Directory in the hierarchy that holds `controller` ("blkio": io on v2).
    std::filesystem::path dir(const std::string &controller) const;

    // Starts argv inside the cgroup (moved in before exec); killed at teardown.
    pid_t spawn(const std::vector<std::string> &argv);
    // Runs argv inside the cgroup to its end; its exit status (128 + signal).
    int run(const std::vector<std::string> &argv);
    std::vector<pid_t> pids() const;

    // CFS bandwidth limit: cpu.max on v2, cpu.cfs_quota_us/period_us on v1.
    void set_cpu_quota(long quota_us, long period_us);

    // CPU weight on the cgroup v2 scale (1..10000): cpu.weight on v2,
    // cpu.shares = weight * 1024 / 100 on v1.
    void set_cpu_weight(int weight);

  private:
    const CgroupLayout &layout_;
    std::string path_;
    std::vector<std::filesystem::path> dirs_;
    std::vector<pid_t> children_;
};

// Removes cgroups left by earlier runs that crashed (cgw-test-* whose pid is dead).
void remove_stale_test_cgroups(const CgroupLayout &layout);

// Absolute path of a built tool (tests/tools) or of the cgwarden binary.
std::string tool_path(const std::string &name);
std::string cgwarden_path();

}  // namespace cgw::test
