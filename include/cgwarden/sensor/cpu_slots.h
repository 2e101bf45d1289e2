// Which cgroup holds which slot of the CPU programs' per-CPU stats array
// (slot_stats in bpf/cpu.bpf.c), and when a slot taken back may be given
// again. Bookkeeping only: CpuSensor applies it to the maps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "cgwarden/cgroup/cgroup_id.h"

namespace cgw {

// Slots for a node with `cgroups_in_use` cgroups holding tasks when the
// programs load: a quarter more and 16 for cgroups created later, at most
// CGW_CPU_MAX_CGROUPS. Every slot costs sizeof(cgw_cpu_stats) on every CPU,
// whether used or not; cgroups beyond them fall back to the per-CPU hash.
uint32_t cpu_slot_count(size_t cgroups_in_use);

class CpuSlots {
  public:
    explicit CpuSlots(uint32_t capacity);

    // A free slot for the cgroup (which must hold none); nullopt when every
    // slot is held or still cooling.
    std::optional<uint32_t> give(CpuCgroupId cgroup);
    // Takes the cgroup's slot back. It cools until the next pass: a program
    // run that found the cgroup in it just before may still write to it, and
    // must be over by the time it is zeroed for its next owner.
    void take_back(CpuCgroupId cgroup);
    // A pass of the sensor begins: slots taken back before it are free again.
    // Returns the cgroups given a slot before it: every program run that could
    // still miss their slot and write to their hash entry is over.
    std::vector<CpuCgroupId> new_pass();

    std::optional<uint32_t> slot_of(CpuCgroupId cgroup) const;
    // cgroup -> slot, for every slot held.
    const std::map<CpuCgroupId, uint32_t> &held() const { return held_; }

  private:
    std::vector<uint32_t> free_;  // given from the back
    std::vector<uint32_t> cooling_;
    std::vector<CpuCgroupId> given_;  // in this pass
    std::map<CpuCgroupId, uint32_t> held_;
};

}  // namespace cgw
