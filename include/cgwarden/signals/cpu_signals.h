// CPU signals over a window: the difference of two samples, as seconds,
// counts and percentiles. Pure functions of the two samples.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "cgwarden/sensor/sample.h"

namespace cgw {

struct Preemptor {
    CpuCgroupId cgroup_id;
    double delay_s = 0;
    uint64_t count = 0;
};

struct CgroupCpuSignals {
    double runq_delay_total_s = 0;
    double runq_delay_p50_s = 0;
    double runq_delay_p99_s = 0;
    double runq_delay_max_s = 0;
    uint64_t runq_events = 0;
    double throttled_s = 0;  // measured by BPF
    uint64_t throttled_events = 0;
    double cpu_stat_throttled_s = 0;  // kernel's cpu.stat
    uint64_t nr_throttled = 0;
    double usage_s = 0;
    // Pressure stall time (PSI) in the window: some task / all tasks stalled
    // waiting for a CPU. Absent where the kernel has no PSI for this cgroup.
    std::optional<double> psi_some_s;
    std::optional<double> psi_full_s;
    std::vector<Preemptor> preempted_by;  // most delay first

    bool active() const {
        return runq_events > 0 || throttled_events > 0 || nr_throttled > 0 || usage_s > 0;
    }
};

struct CpuSignals {
    double window_s = 0;
    std::map<CpuCgroupId, CgroupCpuSignals> by_cgroup;
    std::array<uint64_t, CGW_CPU_DROP_COUNT> drops{};
};

CpuSignals compute_cpu_signals(const Sample &before, const Sample &after);

}  // namespace cgw
