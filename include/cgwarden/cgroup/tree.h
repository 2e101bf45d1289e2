// Cgroup id <-> path in one hierarchy. A cgroup's id is the inode number of its
// directory; ids are reused after rmdir, so the map is rebuilt, never patched.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace cgw {

class CgroupTree {
  public:
    explicit CgroupTree(std::filesystem::path mount);

    const std::filesystem::path &mount() const { return mount_; }

    // Path relative to the mount ("/" for the root, "/app/web" below it). An
    // unknown id triggers one rescan; an id still unknown after it stays
    // unknown until the next rescan, so a stream of stale ids costs one walk.
    std::optional<std::string> path_of(uint64_t id);

    // Id of an existing cgroup, by path relative to the mount.
    std::optional<uint64_t> id_of(const std::string &relative_path) const;

    // Walks the hierarchy again; removed cgroups are forgotten.
    void rescan();

    const std::map<uint64_t, std::string> &paths_by_id() const { return paths_; }

  private:
    std::filesystem::path mount_;
    std::map<uint64_t, std::string> paths_;
    std::set<uint64_t> missing_since_rescan_;
};

// Cgroups of the tree with tasks of their own (cgroup.threads on cgroup2,
// tasks on v1, not empty), as of its last scan.
size_t count_cgroups_with_tasks(const CgroupTree &tree);

// "/app/web" for mount/app/web, "/" for the mount itself.
std::string relative_cgroup_path(const std::filesystem::path &mount,
                                 const std::filesystem::path &dir);

}  // namespace cgw
