#include "daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "cgwarden/common/file.h"
#include "test_cgroup.h"

extern char **environ;

namespace cgw::test {

DaemonProcess::DaemonProcess(const std::string &config, const std::filesystem::path &log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::string bin = cgwarden_path();
    std::vector<std::string> argv = {bin, "run", "--config", config};
    std::vector<char *> args;
    for (auto &a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    if (::posix_spawn(&pid_, bin.c_str(), &actions, nullptr, args.data(), environ) != 0)
        pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
}

DaemonProcess::~DaemonProcess() {
    if (pid_ > 0)
        stop(SIGKILL);
}

int DaemonProcess::stop(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool eventually(const std::function<bool()> &condition, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return condition();
}

std::string slurp(const std::filesystem::path &path) {
    auto text = read_file(path);
    return text ? *text : "<unreadable: " + text.error().message + ">";
}

}  // namespace cgw::test
