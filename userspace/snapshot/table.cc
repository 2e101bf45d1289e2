#include <fmt/format.h>

#include <algorithm>

#include "cgwarden/snapshot/format.h"
#include "cgwarden/snapshot/report.h"

namespace cgw {

namespace {

std::string top_antagonist(const CgroupReport &c) {
    if (c.preempted_by.empty())
        return "-";
    const PreemptorReport &p = c.preempted_by.front();
    return fmt::format("{} ({})", p.path, human_duration(p.delay_s));
}

}  // namespace

std::string to_table(const SnapshotReport &report) {
    size_t width = 6;
    for (const CgroupReport &c : report.cgroups)
        width = std::max(width, c.path.size());
    std::string out = fmt::format(
        "cgwarden snapshot: {:.2f}s, cgroups {}, programs {}, sorted by run-queue delay + "
        "throttled time\n\n",
        report.duration_s, to_string(report.cgroup_mode), to_string(report.attach_mode));
    out += fmt::format("{:<{}}  {:>9} {:>8} {:>8} {:>8} {:>8}  {:>9} {:>9} {:>6}  {:>8}  {}\n",
                       "CGROUP", width, "RUNQ", "P50", "P99", "MAX", "WAITS", "THROTTLED",
                       "CPU.STAT", "NR_THR", "USAGE", "TOP ANTAGONIST (DELAY CAUSED)");
    for (const CgroupReport &c : report.cgroups) {
        const CgroupCpuSignals &s = c.cpu;
        out += fmt::format("{:<{}}  {:>9} {:>8} {:>8} {:>8} {:>8}  {:>9} {:>9} {:>6}  {:>8}  {}\n",
                           c.path, width, human_duration(s.runq_delay_total_s),
                           human_duration(s.runq_delay_p50_s), human_duration(s.runq_delay_p99_s),
                           human_duration(s.runq_delay_max_s), s.runq_events,
                           human_duration(s.throttled_s), human_duration(s.cpu_stat_throttled_s),
                           s.nr_throttled, human_duration(s.usage_s), top_antagonist(c));
    }
    out += io_table(report);
    uint64_t lost = 0;
    for (uint64_t n : report.lost_events)
        lost += n;
    if (lost)
        out += fmt::format("\nwarning: {} events lost because a BPF map was full\n", lost);
    out += net_table(report);
    return out;
}

}  // namespace cgw
