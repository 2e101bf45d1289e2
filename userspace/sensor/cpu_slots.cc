#include "cgwarden/sensor/cpu_slots.h"

#include <algorithm>
#include <utility>

#include "cgwarden/cpu_abi.h"

namespace cgw {

uint32_t cpu_slot_count(size_t cgroups_in_use) {
    size_t wanted = cgroups_in_use + cgroups_in_use / 4 + 16;
    return static_cast<uint32_t>(std::min<size_t>(wanted, CGW_CPU_MAX_CGROUPS));
}

CpuSlots::CpuSlots(uint32_t capacity) {
    // Highest first, so that slots are given from 0 up.
    for (uint32_t slot = capacity; slot-- > 0;)
        free_.push_back(slot);
}

std::optional<uint32_t> CpuSlots::give(CpuCgroupId cgroup) {
    if (free_.empty())
        return std::nullopt;
    uint32_t slot = free_.back();
    free_.pop_back();
    held_[cgroup] = slot;
    given_.push_back(cgroup);
    return slot;
}

void CpuSlots::take_back(CpuCgroupId cgroup) {
    auto it = held_.find(cgroup);
    if (it == held_.end())
        return;
    cooling_.push_back(it->second);
    held_.erase(it);
    std::erase(given_, cgroup);
}

std::vector<CpuCgroupId> CpuSlots::new_pass() {
    free_.insert(free_.end(), cooling_.begin(), cooling_.end());
    cooling_.clear();
    return std::exchange(given_, {});
}

std::optional<uint32_t> CpuSlots::slot_of(CpuCgroupId cgroup) const {
    if (auto it = held_.find(cgroup); it != held_.end())
        return it->second;
    return std::nullopt;
}

}  // namespace cgw
