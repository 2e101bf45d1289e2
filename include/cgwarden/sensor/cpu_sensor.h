// Loads and attaches bpf/cpu.bpf.c and reads its maps.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/common/result.h"
#include "cgwarden/sensor/cpu_counters.h"

namespace cgw {

class CpuSensor {
  public:
    // Picks tp_btf or raw_tp from the probed features unless forced; a tp_btf
    // load that fails anyway falls back to raw_tp with a warning. cpu_tree is
    // the hierarchy of the cgroup ids the programs report
    // (CgroupLayout::cpu_ids_mount); its cgroups with tasks size the stats
    // slots (cpu_slot_count).
    static Result<std::unique_ptr<CpuSensor>> open(const KernelFeatures &features,
                                                   const CpuCgroupTree &cpu_tree,
                                                   std::optional<AttachMode> force = std::nullopt);
    ~CpuSensor();
    CpuSensor(const CpuSensor &) = delete;
    CpuSensor &operator=(const CpuSensor &) = delete;

    AttachMode attach_mode() const;
    // Cumulative counters of every cgroup seen, wherever the programs keep
    // them: its stats slot, its hash entry, and what was folded in from that.
    Result<CpuCounters> read() const;
    std::vector<ProgramStats> program_stats() const;

    // After each read, with cpu_tree rescanned after it: gives a stats slot to
    // each cgroup of the tree that waited without one, folds the hash entries
    // of cgroups given one in the previous call into the sensor's own
    // counters, and forgets the cgroups that have left the tree since the
    // previous call (their slot is given to another cgroup later), with the
    // preemption pairs of `last_read` (this read's) that name them.
    Status update_slots(const CpuCgroupTree &cpu_tree, const CpuCounters &last_read);

    // Defined in cpu_sensor.cc: keeps the skeleton out of this header.
    struct Impl;

  private:
    explicit CpuSensor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cgw
