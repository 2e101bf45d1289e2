#include "cgwarden/sensor/sample.h"

#include <spdlog/spdlog.h>
#include <time.h>

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
    // Slots only make the programs cheaper: a failure costs speed, not the
    // sample, and the next pass tries again.
    if (Status slots = sensor.update_slots(cpu_tree, sample.cpu); !slots)
        spdlog::warn("updating the CPU stats slots: {}", slots.error().message);
    std::set<CpuCgroupId> moved;
    if (scope.previous)
        moved = moved_since(sample, *scope.previous);
    static const Sample kNone;
    const Sample &previous = scope.previous ? *scope.previous : kNone;
    InStep previous_stat(previous.cpu_stat);
    InStep previous_psi(previous.cpu_psi);
    InStep previous_memory(previous.memory);
    InStepKeys always(scope.always);
    InStepKeys moved_now(moved);
    sample.cpu_stat.reserve(cpu_tree.paths_by_id().size());
    sample.memory.reserve(previous.memory.size());
    for (const auto &[id, path] : cpu_tree.paths_by_id()) {
        const CpuStat *then = previous_stat.at(id);
        if (then && path != "/" && !always.contains(id) && !moved_now.contains(id)) {
            sample.cpu_stat.append(id, *then);
            if (scope.cpu_pressure)
                carry(sample.cpu_psi, previous_psi, id);
            carry(sample.memory, previous_memory, id);
            continue;
        }
        // A cgroup removed since the walk has no cpu.stat: it is simply absent.
        if (auto stat = read_cpu_stat(layout, path, scope.files))
            sample.cpu_stat.append(id, *stat);
        if (scope.cpu_pressure) {
            if (auto psi = read_cpu_pressure(layout, path))
                sample.cpu_psi.append(id, *psi);
        }
        if (auto memory = read_memory_use(layout, path, scope.files))
            sample.memory.append(id, *memory);
    }
    return sample;
}

}  // namespace cgw
