// Cgroup id <-> path in one hierarchy. A cgroup's id is the inode number of its
// directory. The map comes from a walk of the hierarchy, kept current by the
// kernel's cgroup events (CgroupWatch) when the daemon has them, so a pass
// walks cgroupfs only when the events could not keep it current.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "cgwarden/cgroup/cgroup_id.h"

namespace cgw {

// A cgroup made, removed or renamed, in some hierarchy (the event does not
// say which: a tree takes it when the path's inode in its mount is the id,
// so the id is a bare number until a tree has taken it).
struct CgroupEvent {
    enum class Kind { Made, Removed, Renamed };
    Kind kind;
    uint64_t id;
    std::string path;  // from the hierarchy's root: "/a/b"; the new one for Renamed
};

// One per hierarchy, typed by its id space (cgroup/cgroup_id.h).
template <class Id>
class CgroupTree {
  public:
    explicit CgroupTree(std::filesystem::path mount);

    const std::filesystem::path &mount() const { return mount_; }

    // Path relative to the mount ("/" for the root, "/app/web" below it).
    // Kept current by events, an unknown id is simply unknown. Otherwise an
    // unknown id triggers one walk; an id still unknown after it stays
    // unknown until the next walk, so a stream of stale ids costs one walk.
    std::optional<std::string> path_of(Id id);

    // Id of an existing cgroup, by path relative to the mount.
    std::optional<Id> id_of(const std::string &relative_path) const;

    // Walks the hierarchy again; removed cgroups are forgotten. A directory
    // that vanishes during the walk is skipped, and the walk goes on.
    void rescan();

    // From now on events keep the tree current: every event the kernel
    // reports after the tree's walk must be applied, in order.
    void follow_events() { following_ = true; }
    // A made cgroup is added, a removed one forgotten (only where the event's
    // id is this tree's: its path's inode here, or the id it holds there). A
    // rename changes the paths of a whole subtree: the next refresh() walks.
    void apply(const CgroupEvent &event);
    // Events were lost: the next refresh() walks.
    void events_lost() { stale_ = true; }
    // Walks when the tree is not kept current by events, or they missed
    // something; otherwise costs nothing.
    void refresh();

    const std::map<Id, std::string> &paths_by_id() const { return paths_; }
    // Changes whenever paths_by_id() may have: what is worked out from the
    // whole tree can be kept while it stays the same.
    uint64_t generation() const { return generation_; }

  private:
    std::filesystem::path mount_;
    std::map<Id, std::string> paths_;
    std::set<Id> missing_since_rescan_;
    uint64_t generation_ = 0;
    bool following_ = false;
    bool stale_ = false;
};

using CpuCgroupTree = CgroupTree<CpuCgroupId>;
using IoCgroupTree = CgroupTree<IoCgroupId>;
using NetCgroupTree = CgroupTree<NetCgroupId>;

// Cgroups of the tree with tasks of their own (cgroup.threads on cgroup2,
// tasks on v1, not empty), as of its last scan.
size_t count_cgroups_with_tasks(const CpuCgroupTree &tree);

// "/app/web" for mount/app/web, "/" for the mount itself.
std::string relative_cgroup_path(const std::filesystem::path &mount,
                                 const std::filesystem::path &dir);

}  // namespace cgw
