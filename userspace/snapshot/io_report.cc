#include "cgwarden/snapshot/io_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "cgwarden/signals/window_math.h"
#include "cgwarden/snapshot/format.h"
#include "cgwarden/snapshot/report.h"

namespace cgw {

namespace {

constexpr size_t kWorstOutliers = 10;

std::string path_or_removed(const PassModel &model, IoCgroupId id) {
    const std::string *path = model.path_of(id);
    return path ? *path : "(removed)";
}

std::vector<QueuedBehindReport> name_behind(const std::vector<QueuedBehind> &list,
                                            const PassModel &model) {
    std::vector<QueuedBehindReport> out;
    for (const QueuedBehind &q : list)
        out.push_back({path_or_removed(model, q.cgroup_id), q.cgroup_id, q.delay_s, q.count});
    return out;
}

CgroupIoReport io_report_for(std::optional<IoCgroupId> io_id, const IoSignals &signals,
                             const std::map<IoCgroupId, uint64_t> &outliers, const PassModel &model,
                             const DeviceNamer &name_of) {
    CgroupIoReport r;
    if (!io_id)
        return r;
    r.id = *io_id;
    if (auto it = outliers.find(*io_id); it != outliers.end())
        r.outliers = it->second;
    auto it = signals.by_cgroup.find(*io_id);
    if (it == signals.by_cgroup.end())
        return r;
    r.signals = it->second;
    r.queued_behind = name_behind(r.signals.queued_behind, model);
    for (const auto &[device, d] : r.signals.devices) {
        std::string maj_min = device.to_string();
        r.devices.push_back({maj_min, name_of(maj_min), d, name_behind(d.queued_behind, model)});
    }
    return r;
}

std::vector<IoOutlierReport> worst_outliers(std::vector<IoOutlier> outliers,
                                            const PassModel &model) {
    auto total = [](const IoOutlier &o) { return o.queue_ns + o.device_ns; };
    std::sort(outliers.begin(), outliers.end(),
              [&](const IoOutlier &a, const IoOutlier &b) { return total(a) > total(b); });
    if (outliers.size() > kWorstOutliers)
        outliers.resize(kWorstOutliers);
    std::vector<IoOutlierReport> out;
    for (const IoOutlier &o : outliers)
        out.push_back({path_or_removed(model, o.cgroup), o.device.to_string(),
                       std::string(io_op_name(o.op)), seconds(o.queue_ns), seconds(o.device_ns),
                       o.bytes});
    return out;
}

nlohmann::json behind_json(const std::vector<QueuedBehindReport> &list) {
    nlohmann::json out = nlohmann::json::array();
    for (const QueuedBehindReport &q : list)
        out.push_back(
            {{"path", q.path}, {"id", q.id.value}, {"delay_s", q.delay_s}, {"count", q.count}});
    return out;
}

nlohmann::json latency_json(const IoLatencySignals &s) {
    return {{"ops", s.ops},
            {"bytes", s.bytes},
            {"latency_p50_s", s.latency_p50_s},
            {"latency_p99_s", s.latency_p99_s},
            {"latency_max_s", s.latency_max_s},
            {"queue_p99_s", s.queue_p99_s}};
}

nlohmann::json io_json(const CgroupIoReport &io) {
    nlohmann::json devices = nlohmann::json::array();
    for (const DeviceIoReport &d : io.devices) {
        nlohmann::json device = latency_json(d.signals);
        device["device"] = d.device;
        device["name"] = d.name;
        device["queued_behind"] = behind_json(d.queued_behind);
        devices.push_back(device);
    }
    nlohmann::json out = latency_json(io.signals);
    out["id"] = io.id.value;
    out["read_ops"] = io.signals.read_ops;
    out["write_ops"] = io.signals.write_ops;
    out["devices"] = devices;
    out["queued_behind"] = behind_json(io.queued_behind);
    out["outliers"] = io.outliers;
    return out;
}

nlohmann::json summary_json(const IoSummary &s) {
    nlohmann::json worst = nlohmann::json::array();
    for (const IoOutlierReport &o : s.worst_outliers)
        worst.push_back({{"path", o.path},
                         {"device", o.device},
                         {"op", o.op},
                         {"queue_s", o.queue_s},
                         {"device_s", o.device_s},
                         {"bytes", o.bytes}});
    const auto &lost = s.lost_events;
    return {{"attach_mode", std::string(to_string(s.attach_mode))},
            {"attribution", std::string(to_string(s.attribution))},
            {"hierarchy", s.hierarchy},
            {"outlier_threshold_s", s.outlier_threshold_s},
            {"outliers_received", s.outliers_received},
            {"worst_outliers", worst},
            {"lost_events",
             {{"io_stats_map_full", lost[CGW_IO_DROP_STATS_FULL]},
              {"io_requests_map_full", lost[CGW_IO_DROP_REQUESTS_FULL]},
              {"io_queued_behind_map_full", lost[CGW_IO_DROP_BEHIND_FULL]},
              {"io_inflight_slots_full", lost[CGW_IO_DROP_SLOTS_FULL]},
              {"io_untracked_completions", lost[CGW_IO_DROP_UNTRACKED]},
              {"io_outliers_rate_limited", lost[CGW_IO_DROP_OUTLIER_RATE_LIMITED]},
              {"io_outliers_ring_full", lost[CGW_IO_DROP_OUTLIER_RING_FULL]}}}};
}

std::string top_behind(const std::vector<QueuedBehindReport> &list) {
    if (list.empty())
        return "-";
    return fmt::format("{} ({}, {}x)", list.front().path, human_duration(list.front().delay_s),
                       list.front().count);
}

}  // namespace

std::string_view io_op_name(uint32_t op) {
    switch (op) {
        case CGW_IO_OP_READ:
            return "read";
        case CGW_IO_OP_WRITE:
            return "write";
        case CGW_IO_OP_FLUSH:
            return "flush";
        case CGW_IO_OP_DISCARD:
            return "discard";
        default:
            return "other";
    }
}

void add_io_report(SnapshotReport &report, IoSummary summary, const PassModel &model,
                   const std::vector<IoOutlier> &outliers, const IoCgroupTree &io_tree,
                   const CpuCgroupTree &cpu_tree, const std::vector<std::string> &only,
                   const DeviceNamer &name_of) {
    static const IoSignals kNone;
    const IoSignals &signals = model.signals().io ? *model.signals().io : kNone;
    std::map<IoCgroupId, uint64_t> outliers_by_cgroup;
    for (const IoOutlier &o : outliers)
        ++outliers_by_cgroup[o.cgroup];
    summary.outliers_received = outliers.size();
    summary.worst_outliers = worst_outliers(outliers, model);
    summary.lost_events = signals.drops;
    report.io = std::move(summary);

    std::set<std::string> in_report;
    for (const CgroupReport &c : report.cgroups)
        in_report.insert(c.path);
    // Cgroups with IO but no CPU entry: the same path in the CPU hierarchy
    // gives the entry's id (0 when the cgroup exists only for IO).
    auto add_path = [&](const std::string &path) {
        if (!in_report.insert(path).second)
            return;
        CgroupReport c;
        c.path = path;
        c.id = cpu_tree.id_of(path).value_or(CpuCgroupId{});
        report.cgroups.push_back(std::move(c));
    };
    if (only.empty()) {
        for (const auto &[path, m] : model.cgroups())
            if (m.io && m.io->active())
                add_path(path);
    } else {
        for (const std::string &path : only)
            if (io_tree.id_of(path))
                add_path(path);
    }
    for (CgroupReport &c : report.cgroups)
        c.io = io_report_for(io_tree.id_of(c.path), signals, outliers_by_cgroup, model, name_of);
}

nlohmann::json cgroup_io_json(const CgroupReport &cgroup) {
    return cgroup.io ? io_json(*cgroup.io) : nlohmann::json(nullptr);
}

nlohmann::json io_summary_json(const SnapshotReport &report) {
    return report.io ? summary_json(*report.io) : nlohmann::json(nullptr);
}

std::string io_table(const SnapshotReport &report) {
    if (!report.io)
        return fmt::format("\nIO: not measured: {}\n", report.io_unavailable);
    std::vector<const CgroupReport *> rows;
    for (const CgroupReport &c : report.cgroups)
        if (c.io && c.io->signals.active())
            rows.push_back(&c);
    std::stable_sort(rows.begin(), rows.end(), [](const CgroupReport *a, const CgroupReport *b) {
        return a->io->signals.latency_p99_s > b->io->signals.latency_p99_s;
    });
    const IoSummary &s = *report.io;
    std::string out = fmt::format(
        "\nIO: programs {}, charged to the {} ({}), device latency = issue to completion, "
        "queue = insert to issue, sorted by p99\n\n",
        to_string(s.attach_mode), to_string(s.attribution), s.hierarchy);
    size_t width = 6;
    for (const CgroupReport *c : rows)
        width = std::max(width, c->path.size());
    out += fmt::format("{:<{}}  {:<12} {:>8} {:>9} {:>8} {:>8} {:>8} {:>9}  {}\n", "CGROUP", width,
                       "DEVICE", "OPS", "BYTES", "P50", "P99", "MAX", "QUEUE P99",
                       "QUEUED BEHIND (DELAY, REQUESTS)");
    for (const CgroupReport *c : rows) {
        for (const DeviceIoReport &d : c->io->devices) {
            const DeviceIoSignals &v = d.signals;
            out += fmt::format("{:<{}}  {:<12} {:>8} {:>9} {:>8} {:>8} {:>8} {:>9}  {}\n", c->path,
                               width, d.name.empty() ? d.device : d.name, v.ops,
                               human_bytes(v.bytes), human_duration(v.latency_p50_s),
                               human_duration(v.latency_p99_s), human_duration(v.latency_max_s),
                               human_duration(v.queue_p99_s), top_behind(d.queued_behind));
        }
    }
    if (rows.empty())
        out += "(no block IO completed in the window)\n";
    out += fmt::format("\nIO outliers over {}: {} received", human_duration(s.outlier_threshold_s),
                       s.outliers_received);
    uint64_t lost = s.lost_events[CGW_IO_DROP_OUTLIER_RATE_LIMITED] +
                    s.lost_events[CGW_IO_DROP_OUTLIER_RING_FULL];
    out += lost ? fmt::format(", {} not delivered (rate limit or ring full)\n", lost) : "\n";
    for (const IoOutlierReport &o : s.worst_outliers)
        out += fmt::format("  {} {} {} {}: queue {} + device {}\n", o.path, o.device, o.op,
                           human_bytes(o.bytes), human_duration(o.queue_s),
                           human_duration(o.device_s));
    uint64_t dropped = 0;
    for (uint32_t i = 0; i < CGW_IO_DROP_COUNT; ++i)
        if (i != CGW_IO_DROP_OUTLIER_RATE_LIMITED && i != CGW_IO_DROP_OUTLIER_RING_FULL &&
            i != CGW_IO_DROP_UNTRACKED)
            dropped += s.lost_events[i];
    if (dropped)
        out += fmt::format("warning: {} IO events lost because a BPF map was full\n", dropped);
    return out;
}

}  // namespace cgw
