// Files read again and again, kept open between reads: a control loop pass
// reads the same few hundred cgroup files (cpu.stat, cpuacct.usage, the
// memory files) of the active cgroups, and opening one (a path walk in
// cgroupfs) costs more than reading it. Each read is a pread from offset 0,
// which makes the kernel format the file afresh.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>

#include "cgwarden/common/result.h"
#include "cgwarden/common/unique_fd.h"

namespace cgw {

class OpenFiles {
  public:
    // At most `capacity` files are kept open; past it all are closed and the
    // next reads open them again (a pass reads what it read before, so the
    // set refills with what is read now; the files of removed cgroups go).
    explicit OpenFiles(size_t capacity) : capacity_(capacity) {}

    // Whole file as text, as read_file. A kept file that cannot be read any
    // more (its cgroup was removed: ENODEV) is opened again by path once.
    Result<std::string> read(const std::filesystem::path &path);

    size_t size() const { return fds_.size(); }

  private:
    size_t capacity_;
    std::unordered_map<std::string, UniqueFd> fds_;
};

// Whole file as text through `files`, or with read_file when it is null.
Result<std::string> read_file(const std::filesystem::path &path, OpenFiles *files);

// The number of files this process may hold open for an OpenFiles: its
// RLIMIT_NOFILE, raised to the hard limit where it is lower, less `spare`
// for everything else; at most `most`.
size_t open_files_budget(size_t spare, size_t most);

}  // namespace cgw
