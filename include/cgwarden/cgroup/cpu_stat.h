// Kernel ground truth for CPU: cpu.stat (v1 and v2 formats), cpuacct.usage and
// PSI. These are what the BPF figures are checked against.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cgwarden/cgroup/layout.h"
#include "cgwarden/common/open_files.h"
#include "cgwarden/common/result.h"

namespace cgw {

struct CpuStat {
    uint64_t usage_ns = 0;
    uint64_t nr_periods = 0;
    uint64_t nr_throttled = 0;
    uint64_t throttled_ns = 0;

    bool operator==(const CpuStat &) const = default;
};

struct Psi {
    uint64_t some_total_us = 0;
    uint64_t full_total_us = 0;
    double some_avg10 = 0;
};

// Both formats: v2 (usage_usec, throttled_usec) and v1 (throttled_time in ns).
CpuStat parse_cpu_stat(std::string_view text);

// "some avg10=.. avg60=.. avg300=.. total=N" and the "full" line.
Result<Psi> parse_psi(std::string_view text);

// cpu.stat of the cgroup at a path relative to the hierarchy roots; on v1 the
// usage comes from cpuacct.usage of the same path in the cpuacct hierarchy.
// Files are kept open in `files` where given (common/open_files.h).
Result<CpuStat> read_cpu_stat(const CgroupLayout &layout, const std::string &relative_path,
                              OpenFiles *files = nullptr);

// cpu.pressure of the same path in cgroup2, when the kernel offers PSI there.
std::optional<Psi> read_cpu_pressure(const CgroupLayout &layout, const std::string &relative_path);

}  // namespace cgw
