// Running helper commands and tools from root tests, with bounded waits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace cgw::test {

// Runs argv to completion (ip, tc, nft); returns what it printed (stdout and
// stderr), throws with it when it fails. No shell (see process.cc): for a
// shell command line (redirections, `cd dir &&`) and a status to check,
// command.h's run_command.
std::string run_command(const std::vector<std::string> &argv);

// Waits for a child to exit; kills it and throws after `limit`.
void wait_for_exit(pid_t pid, std::chrono::milliseconds limit);

// Sends `signal` to a child and waits for it to end, whatever its exit
// status (fio stopped by SIGINT exits 128 after writing its report).
void stop_and_wait(pid_t pid, int signal, std::chrono::milliseconds limit);

// Waits until `path` exists (a tool's --ready file); throws after `limit`.
void wait_for_file(const std::filesystem::path &path, std::chrono::milliseconds limit);

// A tool's "key value" report lines.
std::map<std::string, int64_t> read_report(const std::filesystem::path &path);

// A fresh directory under TMPDIR for reports, removed by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    std::filesystem::path operator/(const std::string &name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

}  // namespace cgw::test
