#include "cgwarden/exporter/cpu_families.h"

#include "cgwarden/exporter/latency_buckets.h"
#include "cgwarden/signals/window_math.h"

namespace cgw {

namespace {

using prometheus::MetricType;

constexpr double kNsPerSecond = 1e9;

void add_preemption(const TickReport &report, const ScopedCgroup &victim, size_t top,
                    FamilyBuilder &family) {
    const CpuSignals &cpu = report.model.signals().cpu;
    auto signals = cpu.by_cgroup.find(victim.id);
    if (signals == cpu.by_cgroup.end())
        return;
    size_t exported = 0;
    for (const Preemptor &p : signals->second.preempted_by) {  // most delay first
        if (exported == top)
            break;
        const std::string *antagonist = report.model.path_of(p.cgroup_id);
        const PreemptCounters *total =
            find_or_null(report.sample.cpu.preempt, {victim.id, p.cgroup_id});
        if (!antagonist || !total)
            continue;
        family.add(with(victim.labels, "by_cgroup", *antagonist),
                   static_cast<double>(total->delay_ns) / kNsPerSecond);
        ++exported;
    }
}

}  // namespace

void add_cpu_families(const TickReport &report, const ExportScope &scope,
                      const ExporterOptions &options, Families &out) {
    FamilyBuilder runq("cgwarden_cpu_runqueue_delay_seconds",
                       "Time tasks of the cgroup waited on a run queue after a wakeup or "
                       "preemption before getting a CPU (BPF, sched_switch); throttled waits are "
                       "in cgwarden_cpu_throttled_seconds_total.",
                       MetricType::Histogram);
    FamilyBuilder throttled("cgwarden_cpu_throttled_seconds_total",
                            "Time the cgroup was throttled by its CFS bandwidth quota "
                            "(kernel cpu.stat throttled_usec / throttled_time).",
                            MetricType::Counter);
    FamilyBuilder periods("cgwarden_cpu_throttled_periods_total",
                          "CFS bandwidth periods in which the cgroup was throttled "
                          "(kernel cpu.stat nr_throttled).",
                          MetricType::Counter);
    FamilyBuilder preemption("cgwarden_cpu_preemption_delay_seconds_total",
                             "Run-queue delay of the cgroup's tasks charged to the cgroup "
                             "(by_cgroup) whose task held the CPU; top antagonists only.",
                             MetricType::Counter);
    for (const auto &[path, cg] : scope.by_path) {
        const CpuCgroupId id = cg.id;
        if (id == CpuCgroupId{})
            continue;  // not in the cpu hierarchy
        if (auto c = report.sample.cpu.by_cgroup.find(id); c != report.sample.cpu.by_cgroup.end())
            runq.add(cg.labels, to_prometheus(c->second.runq_hist, c->second.runq_delay_ns));
        if (auto s = report.sample.cpu_stat.find(id); s != report.sample.cpu_stat.end()) {
            throttled.add(cg.labels, static_cast<double>(s->second.throttled_ns) / kNsPerSecond);
            periods.add(cg.labels, static_cast<double>(s->second.nr_throttled));
        }
        add_preemption(report, cg, options.top_antagonists, preemption);
    }
    for (FamilyBuilder *f : {&runq, &throttled, &periods, &preemption})
        out.push_back(std::move(*f).take());
}

}  // namespace cgw
