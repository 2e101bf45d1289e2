// One pass of the control loop as its consumers read it: the interval's
// signals keyed by cgroup path, every hierarchy's ids resolved to paths once.
//
// The sensors key their figures by id, each in its own hierarchy
// (cgroup/cgroup_id.h); a consumer thinks in cgroups, which are paths. This
// is the one place where the CPU, IO, network and memory figures of a path
// meet: the controller input (control/input) and the export scope
// (exporter/scope) read it instead of joining ids to paths themselves.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "cgwarden/cgroup/cgroup_id.h"
#include "cgwarden/signals/signals.h"

namespace cgw {

// What a cgroup did in the window, in each hierarchy where it has figures.
// A null signal: no figure of that kind this window; a 0 id: none named.
struct CgroupModel {
    CpuCgroupId cpu_id;
    IoCgroupId io_id;
    NetCgroupId net_id;
    const CgroupCpuSignals *cpu = nullptr;
    const CgroupIoSignals *io = nullptr;
    const CgroupNetSignals *net = nullptr;
    const CgroupMemorySignals *memory = nullptr;
};

// Each hierarchy's id -> path (CgroupTree::paths_by_id) as of the sample the
// signals end with; io and net are null where those sensors do not run.
struct CgroupPaths {
    const std::map<CpuCgroupId, std::string> *cpu = nullptr;
    const std::map<IoCgroupId, std::string> *io = nullptr;
    const std::map<NetCgroupId, std::string> *net = nullptr;
    // Changes whenever one of the maps may have (CgroupTree::generation).
    uint64_t generation = 0;
};

class PassModel {
  public:
    // The signals and the paths must outlive the model.
    PassModel(const Signals &signals, CgroupPaths paths);

    const Signals &signals() const { return signals_; }

    // The cgroups that did something in the window (waited for or used a
    // CPU, were throttled, did IO, sent or lost packets, stalled on memory)
    // or that some cgroup's evidence names (a preemptor, a cgroup whose IO
    // was ahead), by path. Idle cgroups are not in it: a pass costs what
    // the active cgroups cost.
    const std::map<std::string, CgroupModel> &cgroups() const { return cgroups_; }
    const CgroupModel *find(const std::string &path) const;

    // The path of an id named by some figure; null when that cgroup is gone.
    const std::string *path_of(CpuCgroupId id) const { return lookup(paths_.cpu, id); }
    const std::string *path_of(IoCgroupId id) const { return lookup(paths_.io, id); }
    const std::string *path_of(NetCgroupId id) const { return lookup(paths_.net, id); }

    // Whether the cgroup is in any hierarchy the signals come from. Asked of
    // an idle cgroup, the first call costs a pass over every path; the daemon
    // asks it only for the cgroups whose knobs it holds or acted on.
    bool exists(const std::string &path) const;

    // Every cgroup of each hierarchy, idle ones included; io and net are
    // null where those sensors do not run.
    const CgroupPaths &paths() const { return paths_; }

  private:
    template <class Id>
    static const std::string *lookup(const std::map<Id, std::string> *paths, Id id) {
        if (!paths)
            return nullptr;
        auto it = paths->find(id);
        return it == paths->end() ? nullptr : &it->second;
    }
    // The entry of the cgroup with this id, made if need be; null when gone.
    // `seen` remembers the ids already looked up: a cgroup that preempted
    // hundreds of others is named hundreds of times.
    template <class Id>
    CgroupModel *entry(Id id, std::unordered_map<Id, CgroupModel *> &seen);

    const Signals &signals_;
    CgroupPaths paths_;
    std::map<std::string, CgroupModel> cgroups_;
    mutable std::optional<std::unordered_set<std::string_view>> every_path_;
};

}  // namespace cgw
