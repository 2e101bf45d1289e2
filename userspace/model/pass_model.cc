#include "cgwarden/model/pass_model.h"

#include <type_traits>

namespace cgw {

template <class Id>
CgroupModel *PassModel::entry(Id id, std::unordered_map<Id, CgroupModel *> &seen) {
    auto [known, added] = seen.try_emplace(id, nullptr);
    if (!added)
        return known->second;
    const std::string *path = path_of(id);
    if (!path)
        return nullptr;
    CgroupModel &m = cgroups_[*path];
    known->second = &m;
    if constexpr (std::is_same_v<Id, CpuCgroupId>)
        m.cpu_id = id;
    else if constexpr (std::is_same_v<Id, IoCgroupId>)
        m.io_id = id;
    else
        m.net_id = id;
    return &m;
}

PassModel::PassModel(const Signals &signals, CgroupPaths paths) : signals_(signals), paths_(paths) {
    std::unordered_map<CpuCgroupId, CgroupModel *> cpu_seen;
    std::unordered_map<IoCgroupId, CgroupModel *> io_seen;
    std::unordered_map<NetCgroupId, CgroupModel *> net_seen;
    for (const auto &[id, cpu_signals] : signals.cpu.by_cgroup) {
        if (!cpu_signals.active())
            continue;
        if (CgroupModel *m = entry(id, cpu_seen))
            m->cpu = &cpu_signals;
        for (const Preemptor &p : cpu_signals.preempted_by)
            if (CgroupModel *m = entry(p.cgroup_id, cpu_seen); m && !m->cpu)
                if (auto it = signals.cpu.by_cgroup.find(p.cgroup_id);
                    it != signals.cpu.by_cgroup.end())
                    m->cpu = &it->second;
    }
    for (const auto &[id, memory] : signals.memory)
        if (memory.stall_fraction > 0)
            entry(id, cpu_seen);
    if (signals.io) {
        for (const auto &[id, io_signals] : signals.io->by_cgroup) {
            if (CgroupModel *m = entry(id, io_seen))
                m->io = &io_signals;
            for (const QueuedBehind &q : io_signals.queued_behind)
                entry(q.cgroup_id, io_seen);
        }
    }
    if (signals.net)
        for (const auto &[id, net_signals] : signals.net->by_cgroup)
            if (net_signals.active())
                if (CgroupModel *m = entry(id, net_seen))
                    m->net = &net_signals;
    // Memory is read in the cpu hierarchy (where cgroup2 holds it); a cgroup
    // that did only IO or sent packets has no cpu id yet.
    for (const auto &[id, memory] : signals.memory) {
        const std::string *path = path_of(id);
        if (auto it = path ? cgroups_.find(*path) : cgroups_.end(); it != cgroups_.end()) {
            it->second.cpu_id = id;
            it->second.memory = &memory;
        }
    }
}

const CgroupModel *PassModel::find(const std::string &path) const {
    auto it = cgroups_.find(path);
    return it == cgroups_.end() ? nullptr : &it->second;
}

bool PassModel::exists(const std::string &path) const {
    if (cgroups_.contains(path))
        return true;  // it did something: no need for the set of every path
    if (!every_path_) {
        every_path_.emplace();
        auto add = [&](const auto *paths) {
            if (paths)
                for (const auto &[id, p] : *paths)
                    every_path_->insert(p);
        };
        add(paths_.cpu);
        add(paths_.io);
        add(paths_.net);
    }
    return every_path_->contains(path);
}

}  // namespace cgw
