#include "cgwarden/snapshot/report.h"

#include <algorithm>

namespace cgw {

namespace {

nlohmann::json optional_json(const std::optional<double> &v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

double contention_s(const CgroupReport &c) {
    return c.cpu.runq_delay_total_s + c.cpu.throttled_s;
}

CgroupReport report_for(CpuCgroupId id, std::string path, const CgroupCpuSignals &cpu,
                        const PassModel &model) {
    CgroupReport r{std::move(path), id, cpu, {}};
    for (const Preemptor &p : cpu.preempted_by) {
        const std::string *by = model.path_of(p.cgroup_id);
        r.preempted_by.push_back({by ? *by : "(removed)", p.cgroup_id, p.delay_s, p.count});
    }
    return r;
}

}  // namespace

SnapshotReport build_snapshot_report(const PassModel &model, CgroupMode mode, AttachMode attach,
                                     const CpuCgroupTree &cpu_tree,
                                     const std::vector<std::string> &only) {
    const CpuSignals &signals = model.signals().cpu;
    SnapshotReport report;
    report.duration_s = signals.window_s;
    report.cgroup_mode = mode;
    report.attach_mode = attach;
    report.lost_events = signals.drops;
    static const CgroupCpuSignals kIdle;
    if (only.empty()) {
        for (const auto &[path, m] : model.cgroups())
            if (m.cpu && m.cpu->active())
                report.cgroups.push_back(report_for(m.cpu_id, path, *m.cpu, model));
    } else {
        // Listed cgroups appear even when idle, so not only the model's.
        for (const std::string &path : only) {
            auto id = cpu_tree.id_of(path);
            if (!id)
                continue;
            auto it = signals.by_cgroup.find(*id);
            report.cgroups.push_back(
                report_for(*id, path, it == signals.by_cgroup.end() ? kIdle : it->second, model));
        }
    }
    std::stable_sort(report.cgroups.begin(), report.cgroups.end(),
                     [](const CgroupReport &a, const CgroupReport &b) {
                         return contention_s(a) > contention_s(b);
                     });
    return report;
}

// Everything but the network part, which add_net_json adds.
static nlohmann::json cpu_json(const SnapshotReport &report) {
    nlohmann::json cgroups = nlohmann::json::array();
    for (const CgroupReport &c : report.cgroups) {
        nlohmann::json preempted_by = nlohmann::json::array();
        for (const PreemptorReport &p : c.preempted_by)
            preempted_by.push_back(
                {{"path", p.path}, {"id", p.id.value}, {"delay_s", p.delay_s}, {"count", p.count}});
        const CgroupCpuSignals &s = c.cpu;
        cgroups.push_back({{"path", c.path},
                           {"id", c.id.value},
                           {"cpu",
                            {{"runq_delay_total_s", s.runq_delay_total_s},
                             {"runq_delay_p50_s", s.runq_delay_p50_s},
                             {"runq_delay_p99_s", s.runq_delay_p99_s},
                             {"runq_delay_max_s", s.runq_delay_max_s},
                             {"runq_events", s.runq_events},
                             {"throttled_s", s.throttled_s},
                             {"cpu_stat_throttled_s", s.cpu_stat_throttled_s},
                             {"nr_throttled", s.nr_throttled},
                             {"usage_s", s.usage_s},
                             {"psi_some_s", optional_json(s.psi_some_s)},
                             {"psi_full_s", optional_json(s.psi_full_s)},
                             {"preempted_by", preempted_by}}}});
        cgroups.back()["io"] = cgroup_io_json(c);
    }
    return {{"duration_s", report.duration_s},
            {"cgroup_mode", std::string(to_string(report.cgroup_mode))},
            {"attach_mode", std::string(to_string(report.attach_mode))},
            {"lost_events",
             {{"cpu_stats_map_full", report.lost_events[CGW_CPU_DROP_STATS_FULL]},
              {"cpu_wait_record_taken", report.lost_events[CGW_CPU_DROP_RECORD_TAKEN]},
              {"cpu_preempt_map_full", report.lost_events[CGW_CPU_DROP_PREEMPT_FULL]}}},
            {"io", io_summary_json(report)},
            {"io_unavailable", report.io_unavailable},
            {"cgroups", cgroups}};
}

nlohmann::json to_json(const SnapshotReport &report) {
    nlohmann::json out = cpu_json(report);
    add_net_json(out, report);
    return out;
}

}  // namespace cgw
