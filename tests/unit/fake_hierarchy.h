// A directory tree standing in for a cgroup hierarchy in unit tests: a
// cgroup's id is its directory's inode either way. Removed on destruction.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <initializer_list>
#include <string>

namespace cgw::test {

class FakeHierarchy {
  public:
    // Directories relative to the root, e.g. {"app/web", "batch"}.
    explicit FakeHierarchy(std::initializer_list<std::string> cgroups)
        : root_(std::filesystem::temp_directory_path() /
                ("cgw-fake-" + std::to_string(::getpid()) + "-" + std::to_string(next_++))) {
        std::filesystem::create_directories(root_);
        for (const std::string &cgroup : cgroups)
            std::filesystem::create_directories(root_ / cgroup);
    }
    ~FakeHierarchy() { std::filesystem::remove_all(root_); }
    FakeHierarchy(const FakeHierarchy &) = delete;
    FakeHierarchy &operator=(const FakeHierarchy &) = delete;

    const std::filesystem::path &root() const { return root_; }

    // Id of the cgroup at a path relative to the root ("" for the root), in
    // the id space the fake plays (cgroup/cgroup_id.h).
    template <class Id = uint64_t>
    Id id(const std::string &relative = "") const {
        struct stat st {};
        ::stat((root_ / relative).c_str(), &st);
        return Id(st.st_ino);
    }

  private:
    static inline std::atomic<int> next_{0};
    std::filesystem::path root_;
};

}  // namespace cgw::test
