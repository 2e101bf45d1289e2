#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace cgw::test {

// Executed directly, never through a shell: the VM's /bin/sh is busybox,
// which would run its own applets (a reduced ip) instead of iproute2's.
std::string run_command(const std::vector<std::string> &argv) {
    std::string cmd;
    for (const std::string &arg : argv)
        cmd += arg + " ";
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe for " + cmd);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    std::vector<char *> args;
    for (const std::string &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int err = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    std::string text;
    char buf[1024];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<size_t>(n));
    ::close(out[0]);
    if (err != 0)
        throw std::runtime_error("cannot run " + cmd + ": " + std::strerror(err));
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(cmd + "failed (status " + std::to_string(status) + "): " + text);
    return text;
}

namespace {

// The child's wait status once it ended; kills it and throws after `limit`.
int wait_for_status(pid_t pid, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return status;
        if (done < 0)
            throw std::runtime_error("waiting for process " + std::to_string(pid));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("process " + std::to_string(pid) + " did not finish in time");
}

}  // namespace

void wait_for_exit(pid_t pid, std::chrono::milliseconds limit) {
    int status = wait_for_status(pid, limit);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("process " + std::to_string(pid) + " failed, status " +
                                 std::to_string(status));
}

void stop_and_wait(pid_t pid, int signal, std::chrono::milliseconds limit) {
    ::kill(pid, signal);
    wait_for_status(pid, limit);
}

void wait_for_file(const std::filesystem::path &path, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!std::filesystem::exists(path)) {
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error(path.string() + " did not appear");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::map<std::string, int64_t> read_report(const std::filesystem::path &path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("no report at " + path.string());
    std::map<std::string, int64_t> out;
    std::string key;
    int64_t value;
    while (in >> key >> value)
        out[key] = value;
    return out;
}

TempDir::TempDir() {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp ? tmp : "/tmp") + "/cgw-test-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp " + pattern);
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace cgw::test
