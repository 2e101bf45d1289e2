// A temporary directory shaped like cgroup hierarchies (v2, or hybrid with
// v1 cpu and blkio) and like the sysfs block-device files, with the
// CgroupLayout that parse_cgroup_layout makes of a mountinfo pointing at it.
// Plain files do not validate or merge lines as cgroupfs does; the root
// integration tests cover the kernel's side.
#pragma once

#include <filesystem>
#include <string>

#include "cgwarden/cgroup/layout.h"

namespace cgw::test {

class FakeCgroupfs {
  public:
    enum class Shape { V2, Hybrid };
    // Creates the hierarchies with one cgroup, /app, holding default knob files.
    explicit FakeCgroupfs(Shape shape);
    ~FakeCgroupfs();
    FakeCgroupfs(const FakeCgroupfs &) = delete;
    FakeCgroupfs &operator=(const FakeCgroupfs &) = delete;

    const CgroupLayout &layout() const { return layout_; }
    const std::filesystem::path &root() const { return root_; }
    std::filesystem::path sys() const { return root_ / "sys"; }
    std::filesystem::path state_dir() const { return root_ / "state"; }
    // The file of cgroup /app in the hierarchy holding `controller`.
    std::filesystem::path app_file(const std::string &controller, const std::string &name) const;

    std::string read(const std::filesystem::path &file) const;
    void write(const std::filesystem::path &file, const std::string &text) const;

  private:
    std::filesystem::path root_;
    CgroupLayout layout_;
};

}  // namespace cgw::test
