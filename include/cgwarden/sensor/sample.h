// One reading of everything the sensors and the kernel's own accounting say,
// as raw cumulative counters keyed by cgroup id.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "cgwarden/cgroup/cpu_stat.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/memory_use.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/common/sorted_table.h"
#include "cgwarden/sensor/cpu_counters.h"
#include "cgwarden/sensor/io_counters.h"
#include "cgwarden/sensor/net_counters.h"

namespace cgw {

class CpuSensor;

struct Sample {
    uint64_t monotonic_ns = 0;
    // The cpu tree's generation when the sample was taken: while it stays
    // the same, the next sample copies these readings and reads only the
    // cgroups that did something (take_sample).
    uint64_t cpu_tree_generation = 0;
    CpuCounters cpu;
    // cpu.stat of every cgroup in the cpu hierarchy, by id.
    SortedTable<CpuCgroupId, CpuStat> cpu_stat;
    // cpu.pressure of the same cgroups, where cgroup2 has the path and PSI.
    SortedTable<CpuCgroupId, Psi> cpu_psi;
    // memory.current and memory.pressure of the same cgroups, where cgroup2
    // holds the memory controller (cgroup/memory_use.h).
    SortedTable<CpuCgroupId, MemoryUse> memory;
    // The IO and network maps, where those sensors run (daemon/sensors.h).
    std::optional<IoCounters> io;
    std::optional<NetCounters> net;
};

// What a sample reads of the cgroup files (cpu.stat, cpu.pressure, memory).
// Without a previous sample, every cgroup's. With one, only those of the
// cgroups whose tasks waited for a CPU since (their BPF counters moved), of
// the cgroups it had no reading of, of the root, and of `always` (those whose
// knobs the daemon holds, and those with a memory_stall SLO: a victim
// stalling on memory may never wait for a CPU); every other cgroup's readings are carried over from
// `previous`: none of its tasks woke, so nothing of it ran but what ran without ever waiting. So a
// pass costs what the active cgroups cost, not what the idle ones do.
struct SampleScope {
    const Sample *previous = nullptr;
    std::set<CpuCgroupId> always;
    // cpu.pressure: `snapshot` shows it; the daemon decides and exports
    // nothing from it, and leaves it (one file open fewer per active cgroup).
    bool cpu_pressure = true;
    // Where given, the cgroup files stay open from pass to pass.
    OpenFiles *files = nullptr;
};

// Reads the maps, then the kernel's cgroup files of the cgroups in cpu_tree
// that `scope` asks for (the tree refreshed first, so new cgroups are seen
// and removed ones forgotten), and updates the sensor's stats slots from it
// (CpuSensor::update_slots).
Result<Sample> take_sample(CpuSensor &sensor, const CgroupLayout &layout, CpuCgroupTree &cpu_tree,
                           const SampleScope &scope = {});

uint64_t monotonic_now_ns();

}  // namespace cgw
