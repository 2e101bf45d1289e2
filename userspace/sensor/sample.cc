#include "cgwarden/sensor/sample.h"

#include <spdlog/spdlog.h>
#include <time.h>

#include <optional>
#include <set>

#include "cgwarden/common/in_step.h"
#include "cgwarden/sensor/cpu_sensor.h"

namespace cgw {

uint64_t monotonic_now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

namespace {

// The cgroups whose tasks waited for a CPU since `previous`, or made others
// wait: their files changed. (A cgroup new since `previous` is read anyway.)
std::set<CpuCgroupId> moved_since(const Sample &now, const Sample &previous) {
    std::set<CpuCgroupId> moved;
    InStep then(previous.cpu.by_cgroup);
    for (const auto &[id, c] : now.cpu.by_cgroup) {
        const CgroupCpuCounters *p = then.at(id);
        if (!p || !c.same_waits(*p))
            moved.insert(id);
    }
    InStep then_pairs(previous.cpu.preempt);
    for (const auto &[pair, c] : now.cpu.preempt) {
        const PreemptCounters *p = then_pairs.at(pair);
        if (!p || c.count != p->count)
            moved.insert(pair.second);
    }
    return moved;
}

// The previous sample's reading of `id`, if any, into `to`. Ids come in
// increasing order: the new entry goes at the end.
template <class T>
void carry(SortedTable<CpuCgroupId, T> &to, InStep<SortedTable<CpuCgroupId, T>> &from,
           CpuCgroupId id) {
    if (const T *then = from.at(id))
        to.append(id, *then);
}

// What a pass reads of one cgroup's files; each absent where it cannot be
// read (a cgroup removed since the walk has no cpu.stat: it is simply absent).
struct CgroupReadings {
    std::optional<CpuStat> stat;
    std::optional<Psi> psi;
    std::optional<MemoryUse> memory;
};

CgroupReadings read_cgroup(const CgroupLayout &layout, const std::string &path,
                           const SampleScope &scope) {
    CgroupReadings r;
    if (auto stat = read_cpu_stat(layout, path, scope.files))
        r.stat = *stat;
    if (scope.cpu_pressure)
        r.psi = read_cpu_pressure(layout, path);
    r.memory = read_memory_use(layout, path, scope.files);
    return r;
}

template <class T>
void set_or_erase(SortedTable<CpuCgroupId, T> &table, CpuCgroupId id, const std::optional<T> &v) {
    if (v)
        table[id] = *v;
    else
        table.erase(id);
}

// The tree lists the cgroups `previous` read, and each has a reading: no
// cgroup was made or removed since (or none that the tree saw).
bool same_cgroups(const Sample &previous, const CpuCgroupTree &cpu_tree) {
    return previous.cpu_tree_generation == cpu_tree.generation() &&
           previous.cpu_stat.size() == cpu_tree.paths_by_id().size();
}

// The cgroups that must be read this pass: those whose tasks waited or made
// others wait since `previous`, `always`, and the root.
std::set<CpuCgroupId> to_read(const Sample &sample, const Sample &previous,
                              const CpuCgroupTree &cpu_tree, const SampleScope &scope) {
    std::set<CpuCgroupId> ids = moved_since(sample, previous);
    ids.insert(scope.always.begin(), scope.always.end());
    if (auto root = cpu_tree.id_of("/"))
        ids.insert(*root);
    return ids;
}

// No cgroup made or removed since `previous`: its readings, copied whole
// (one array each), with those of the cgroups that must be read replaced.
// A pass then costs the active cgroups, not a walk of the idle thousands.
void update_readings(Sample &sample, const Sample &previous, const CgroupLayout &layout,
                     const CpuCgroupTree &cpu_tree, const SampleScope &scope) {
    sample.cpu_stat = previous.cpu_stat;
    if (scope.cpu_pressure)
        sample.cpu_psi = previous.cpu_psi;
    sample.memory = previous.memory;
    const auto &paths = cpu_tree.paths_by_id();
    for (CpuCgroupId id : to_read(sample, previous, cpu_tree, scope)) {
        auto path = paths.find(id);
        if (path == paths.end())
            continue;  // made after the tree was brought up to date
        CgroupReadings r = read_cgroup(layout, path->second, scope);
        set_or_erase(sample.cpu_stat, id, r.stat);
        if (scope.cpu_pressure)
            set_or_erase(sample.cpu_psi, id, r.psi);
        set_or_erase(sample.memory, id, r.memory);
    }
}

// Every cgroup of the tree, in id order: read where `scope` asks for it or
// the previous sample has no reading of it, else carried over.
void read_every_cgroup(Sample &sample, const CgroupLayout &layout, const CpuCgroupTree &cpu_tree,
                       const SampleScope &scope) {
    std::set<CpuCgroupId> read_now;
    if (scope.previous)
        read_now = to_read(sample, *scope.previous, cpu_tree, scope);
    static const Sample kNone;
    const Sample &previous = scope.previous ? *scope.previous : kNone;
    InStep previous_stat(previous.cpu_stat);
    InStep previous_psi(previous.cpu_psi);
    InStep previous_memory(previous.memory);
    InStepKeys must_read(read_now);
    sample.cpu_stat.reserve(cpu_tree.paths_by_id().size());
    sample.memory.reserve(previous.memory.size());
    for (const auto &[id, path] : cpu_tree.paths_by_id()) {
        const CpuStat *then = previous_stat.at(id);
        if (then && !must_read.contains(id)) {
            sample.cpu_stat.append(id, *then);
            if (scope.cpu_pressure)
                carry(sample.cpu_psi, previous_psi, id);
            carry(sample.memory, previous_memory, id);
            continue;
        }
        CgroupReadings r = read_cgroup(layout, path, scope);
        if (r.stat)
            sample.cpu_stat.append(id, *r.stat);
        if (r.psi)
            sample.cpu_psi.append(id, *r.psi);
        if (r.memory)
            sample.memory.append(id, *r.memory);
    }
}

}  // namespace

Result<Sample> take_sample(CpuSensor &sensor, const CgroupLayout &layout, CpuCgroupTree &cpu_tree,
                           const SampleScope &scope) {
    Sample sample;
    sample.monotonic_ns = monotonic_now_ns();
    auto counters = sensor.read();
    if (!counters)
        return counters.error().context("sampling the CPU sensor");
    sample.cpu = std::move(counters).value();
    cpu_tree.refresh();
    sample.cpu_tree_generation = cpu_tree.generation();
    // Slots only make the programs cheaper: a failure costs speed, not the
    // sample, and the next pass tries again.
    if (Status slots = sensor.update_slots(cpu_tree, sample.cpu); !slots)
        spdlog::warn("updating the CPU stats slots: {}", slots.error().message);
    if (scope.previous && same_cgroups(*scope.previous, cpu_tree))
        update_readings(sample, *scope.previous, layout, cpu_tree, scope);
    else
        read_every_cgroup(sample, layout, cpu_tree, scope);
    return sample;
}

}  // namespace cgw
