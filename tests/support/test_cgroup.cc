#include "test_cgroup.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cgwarden/common/file.h"

namespace cgw::test {

namespace {

constexpr const char *kPrefix = "cgw-test-";

std::vector<pid_t> read_pids(const std::filesystem::path &dir) {
    std::vector<pid_t> pids;
    std::ifstream in(dir / "cgroup.procs");
    pid_t pid;
    while (in >> pid)
        pids.push_back(pid);
    return pids;
}

// Kills everything in the cgroup and its children and removes them; rmdir
// only succeeds once the kernel has let go of the last task.
void kill_and_remove(const std::filesystem::path &dir) {
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.is_directory())
            kill_and_remove(entry.path());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        for (pid_t pid : read_pids(dir))
            ::kill(pid, SIGKILL);
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// cgroup v2 calls the blkio controller io.
std::string controller_in(const CgroupLayout &layout, const std::string &controller) {
    return layout.mode == CgroupMode::V2 && controller == "blkio" ? "io" : controller;
}

void check(const Status &s) {
    if (!s)
        throw std::runtime_error(s.error().message);
}

// The hierarchy of a controller, or the cgroup2 hierarchy itself for
// kCgroup2 (on hybrid nodes it holds no controller we use, but sockets and
// cgroup_skb programs belong to it).
std::optional<std::filesystem::path> hierarchy_of(const CgroupLayout &layout,
                                                  const std::string &controller) {
    return controller == kCgroup2 ? layout.unified : layout.mount_for(controller);
}

}  // namespace

TestCgroup::TestCgroup(const CgroupLayout &layout, const std::string &name,
                       const std::vector<std::string> &controllers)
    : layout_(layout), path_("/" + std::string(kPrefix) + std::to_string(::getpid()) + "-" + name) {
    try {
        for (const std::string &requested : controllers) {
            // cgroup v2 folded cpuacct into cpu (usage is in cpu.stat).
            if (layout.mode == CgroupMode::V2 && requested == "cpuacct")
                continue;
            std::string controller = controller_in(layout, requested);
            auto mount = hierarchy_of(layout, controller);
            if (!mount)
                throw std::runtime_error("no hierarchy holds the " + controller + " controller");
            auto dir = *mount / path_.substr(1);
            if (layout.mode == CgroupMode::V2 && controller != kCgroup2)
                check(write_file(dir.parent_path() / "cgroup.subtree_control", "+" + controller));
            if (std::find(dirs_.begin(), dirs_.end(), dir) != dirs_.end())
                continue;
            if (!std::filesystem::create_directory(dir))
                throw std::runtime_error("cgroup " + dir.string() + " already exists");
            dirs_.push_back(dir);
        }
    } catch (...) {
        // No destructor runs for a half-built object: undo what was made.
        for (const auto &dir : dirs_)
            ::rmdir(dir.c_str());
        throw;
    }
}

TestCgroup::~TestCgroup() {
    for (const auto &dir : dirs_)
        kill_and_remove(dir);
    for (pid_t pid : children_)
        ::waitpid(pid, nullptr, WNOHANG);
}

std::filesystem::path TestCgroup::dir(const std::string &name) const {
    std::string controller = controller_in(layout_, name);
    auto mount = hierarchy_of(layout_, controller);
    if (!mount)
        throw std::runtime_error("no hierarchy holds the " + controller + " controller");
    return *mount / path_.substr(1);
}

pid_t TestCgroup::spawn(const std::vector<std::string> &argv) {
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        std::string self = std::to_string(::getpid());
        for (const auto &dir : dirs_) {
            if (!write_file(dir / "cgroup.procs", self))
                ::_exit(126);
        }
        std::vector<char *> args;
        for (const auto &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    children_.push_back(pid);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        auto in = read_pids(dirs_.front());
        if (std::find(in.begin(), in.end(), pid) != in.end())
            return pid;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    throw std::runtime_error("process " + argv[0] + " did not enter " + path_);
}

int TestCgroup::run(const std::vector<std::string> &argv) {
    pid_t pid = spawn(argv);
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid)
        throw std::runtime_error("waiting for " + argv[0] + " failed");
    children_.erase(std::find(children_.begin(), children_.end(), pid));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<pid_t> TestCgroup::pids() const {
    return read_pids(dirs_.front());
}

void TestCgroup::set_cpu_weight(int weight) {
    if (layout_.mode == CgroupMode::V2)
        check(write_file(dir("cpu") / "cpu.weight", std::to_string(weight)));
    else
        check(write_file(dir("cpu") / "cpu.shares", std::to_string(weight * 1024 / 100)));
}

void TestCgroup::set_cpu_quota(long quota_us, long period_us) {
    auto cpu = dir("cpu");
    if (layout_.mode == CgroupMode::V2) {
        check(write_file(cpu / "cpu.max",
                         std::to_string(quota_us) + " " + std::to_string(period_us)));
    } else {
        check(write_file(cpu / "cpu.cfs_period_us", std::to_string(period_us)));
        check(write_file(cpu / "cpu.cfs_quota_us", std::to_string(quota_us)));
    }
}

void remove_stale_test_cgroups(const CgroupLayout &layout) {
    for (const auto &mount : layout.mounts()) {
        std::error_code ec;
        for (const auto &entry : std::filesystem::directory_iterator(mount, ec)) {
            std::string name = entry.path().filename();
            if (!name.starts_with(kPrefix) || !entry.is_directory())
                continue;
            pid_t owner = std::atoi(name.c_str() + std::string(kPrefix).size());
            if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH)
                kill_and_remove(entry.path());
        }
    }
}

std::string tool_path(const std::string &name) {
    const char *dir = std::getenv("CGWARDEN_TOOLS_DIR");
    return std::string(dir ? dir : CGW_TOOLS_DIR) + "/" + name;
}

std::string cgwarden_path() {
    const char *bin = std::getenv("CGWARDEN_BIN");
    return bin ? bin : CGW_BIN_PATH;
}

}  // namespace cgw::test
