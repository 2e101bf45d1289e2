// The knob files of an enforcement test's cgroups, exactly as the kernel
// shows them: read once before the daemon runs, so that the test can see a
// knob move and check that every file is byte-identical once it is
// restored.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "test_cgroup.h"

namespace cgw::test {

class KnobFiles {
  public:
    // Every file is read now, in the directory of `controller` ("cpu",
    // "blkio") of each cgroup: originals().
    KnobFiles(std::vector<const TestCgroup *> cgroups, std::string controller,
              std::vector<std::string> files);

    // Every file of every cgroup, keyed "<cgroup path>/<file>".
    std::map<std::string, std::string> read() const;
    const std::map<std::string, std::string> &originals() const { return originals_; }

    // One cgroup's file, now and at the start.
    std::string read(const TestCgroup &cgroup, const std::string &file) const;
    const std::string &original(const TestCgroup &cgroup, const std::string &file) const;

    const std::vector<std::string> &files() const { return files_; }

    // EXPECTs every file of `cgroup` to read as it did at the start; `who`
    // names it in the failure ("the victim").
    void expect_untouched(const TestCgroup &cgroup, const std::string &who) const;

  private:
    std::vector<const TestCgroup *> cgroups_;
    std::string controller_;
    std::vector<std::string> files_;
    std::map<std::string, std::string> originals_;
};

}  // namespace cgw::test
