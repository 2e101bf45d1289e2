#include "cgwarden/exporter/scope.h"

#include <algorithm>

namespace cgw {

namespace {

// Time the cgroup's tasks could not run in the last interval: waiting for a
// CPU, or throttled by their quota.
double contention_s(const CpuSignals &signals, uint64_t id) {
    auto it = signals.by_cgroup.find(id);
    return it == signals.by_cgroup.end()
               ? 0
               : it->second.runq_delay_total_s + it->second.cpu_stat_throttled_s;
}

Labels labels_of(const std::string &path, const std::optional<size_t> &class_index,
                 const Policy &policy, const IdentifyCgroup &identify) {
    Labels labels{{"cgroup", path}};
    if (class_index && *class_index < policy.classes.size())
        labels.push_back({"class", policy.classes[*class_index].name});
    for (auto &[name, value] : identity_labels(identify(path)))
        labels.push_back({std::move(name), std::move(value)});
    return labels;
}

}  // namespace

bool is_protected(const ClassPolicy &cls) {
    const Slo &s = cls.slo;
    return s.cpu_delay_p99 || s.io_latency_p99 || s.heartbeat_drops || s.heartbeat_gap;
}

ExportScope select_scope(const TickReport &report, const ExporterOptions &options,
                         const IdentifyCgroup &identify, const std::set<std::string> &acted_on) {
    std::map<uint64_t, std::optional<size_t>> classes;
    std::set<uint64_t> chosen;
    std::vector<std::pair<double, uint64_t>> contended;
    for (const auto &[id, path] : report.paths) {
        std::optional<size_t> class_index = classes[id] = report.classify(path);
        bool keep = acted_on.count(path) > 0;
        if (class_index && *class_index < report.policy.classes.size())
            keep |= is_protected(report.policy.classes[*class_index]);
        if (keep)
            chosen.insert(id);
        else if (double c = contention_s(report.signals, id); c > 0)
            contended.emplace_back(c, id);
    }
    size_t top = std::min(options.top_cgroups, contended.size());
    std::partial_sort(contended.begin(), contended.begin() + static_cast<ptrdiff_t>(top),
                      contended.end(), std::greater<>());
    for (size_t i = 0; i < top; ++i)
        chosen.insert(contended[i].second);

    ExportScope scope;
    for (uint64_t id : chosen) {
        const std::string &path = report.paths.at(id);
        scope.by_id[id] = {id, path, classes[id],
                           labels_of(path, classes[id], report.policy, identify)};
        scope.id_by_path[path] = id;
    }
    return scope;
}

Labels with(Labels labels, std::string name, std::string value) {
    labels.push_back({std::move(name), std::move(value)});
    return labels;
}

}  // namespace cgw
