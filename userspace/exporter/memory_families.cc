#include "cgwarden/exporter/memory_families.h"

namespace cgw {

void add_memory_families(const TickReport &report, const ExportScope &scope, Families &out) {
    using prometheus::MetricType;
    FamilyBuilder stall("cgwarden_memory_stall_seconds_total",
                        "Time some task of the cgroup stalled waiting for memory: reclaim, "
                        "refaults (kernel memory.pressure, some total).",
                        MetricType::Counter);
    FamilyBuilder held("cgwarden_memory_bytes",
                       "Memory the cgroup holds, page cache included (kernel memory.current).",
                       MetricType::Gauge);
    for (const auto &[path, cg] : scope.by_path) {
        auto m = report.sample.memory.find(cg.id);
        if (cg.id == CpuCgroupId{} || m == report.sample.memory.end())
            continue;
        stall.add(cg.labels, static_cast<double>(m->second.stall_some_us) / 1e6);
        held.add(cg.labels, static_cast<double>(m->second.current_bytes));
    }
    out.push_back(std::move(stall).take());
    out.push_back(std::move(held).take());
}

}  // namespace cgw
