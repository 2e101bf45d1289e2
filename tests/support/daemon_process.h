// `cgwarden run` as a child of a root test: its output in a log file, killed
// if the test ends without stopping it; and polling for what it does.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace cgw::test {

class DaemonProcess {
  public:
    DaemonProcess(const std::string &config, const std::filesystem::path &log);
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess &) = delete;
    DaemonProcess &operator=(const DaemonProcess &) = delete;

    bool started() const { return pid_ > 0; }

    // Sends the signal and returns the exit status (128 + signal when killed).
    int stop(int signal);

  private:
    pid_t pid_ = -1;
};

// Polls `condition` every 100 ms until it holds or `limit` passes.
bool eventually(const std::function<bool()> &condition, std::chrono::seconds limit);

// A file's content, or a note saying why it could not be read (for messages).
std::string slurp(const std::filesystem::path &path);

}  // namespace cgw::test
