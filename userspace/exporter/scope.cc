#include "cgwarden/exporter/scope.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

// What ranks a cgroup for series: seconds its work waited in the last
// interval, then packets it lost.
struct Contention {
    const std::string *path = nullptr;  // in one of the report's path maps
    CpuCgroupId cpu_id;
    double wait_s = 0;
    uint64_t lost_packets = 0;

    bool any() const { return wait_s > 0 || lost_packets > 0; }
    auto rank() const { return std::tie(wait_s, lost_packets); }
};

uint64_t lost_packets(const CgroupNetSignals &s) {
    uint64_t n = s.retransmits;
    for (const auto &[reason, packets] : s.drops)
        n += packets;
    return n;
}

// Every cgroup of the three hierarchies by path (idle protected cgroups get
// series too), with its contention: the time its work could not run in the
// last interval (waiting for a CPU, throttled by its quota, its block
// requests queued and served), then the packets it lost. The keys view the
// pass's path maps: no path is copied for the thousands of cgroups that get
// no series.
using ContentionByPath = std::unordered_map<std::string_view, Contention>;

ContentionByPath contention_by_path(const PassModel &model) {
    const CgroupPaths &paths = model.paths();
    ContentionByPath out;
    out.reserve((paths.cpu ? paths.cpu->size() : 0) + 64);
    if (paths.cpu)
        for (const auto &[id, path] : *paths.cpu)
            out.try_emplace(path, Contention{.path = &path, .cpu_id = id});
    auto add = [&](const auto *hierarchy) {
        if (hierarchy)
            for (const auto &[id, path] : *hierarchy)
                out.try_emplace(path, Contention{.path = &path});
    };
    add(paths.io);
    add(paths.net);
    for (const auto &[path, m] : model.cgroups()) {
        auto it = out.find(path);
        if (it == out.end())
            continue;
        Contention &c = it->second;
        if (m.cpu)
            c.wait_s += m.cpu->runq_delay_total_s + m.cpu->cpu_stat_throttled_s;
        if (m.io)
            c.wait_s += m.io->wait_total_s;
        if (m.net)
            c.lost_packets += lost_packets(*m.net);
    }
    return out;
}

// A candidate for series: higher class first, then the most contended; the
// path breaks ties, so that idle cgroups keep the same series pass to pass.
struct Ranked {
    std::string_view path;
    const Contention *contention;
    std::optional<size_t> class_index;
    int priority;

    auto rank() const { return std::tuple(priority, contention->rank()); }
    bool operator<(const Ranked &other) const {
        if (rank() != other.rank())
            return rank() > other.rank();
        return path < other.path;
    }
};

// Moves the best `limit` of `candidates` into `chosen`; returns how many were left out.
size_t take_best(std::vector<Ranked> &candidates, size_t limit, std::vector<Ranked> &chosen) {
    size_t take = std::min(limit, candidates.size());
    auto mid = candidates.begin() + static_cast<ptrdiff_t>(take);
    std::partial_sort(candidates.begin(), mid, candidates.end());
    chosen.insert(chosen.end(), candidates.begin(), mid);
    return candidates.size() - take;
}

Labels labels_of(const std::string &path, const std::optional<size_t> &class_index,
                 const Policy &policy, const IdentifyCgroup &identify) {
    // A cgroup name may be any bytes; a scrape must be UTF-8.
    Labels labels{{"cgroup", valid_utf8(path)}};
    if (class_index && *class_index < policy.classes.size())
        labels.push_back({"class", policy.classes[*class_index].name});
    for (auto &[name, value] : identity_labels(identify(path)))
        labels.push_back({std::move(name), valid_utf8(value)});
    return labels;
}

}  // namespace

const ScopedCgroup *ExportScope::find(const std::string &path) const {
    auto it = by_path.find(path);
    return it == by_path.end() ? nullptr : &it->second;
}

ExportScope select_scope(const TickReport &report, const IdentifyCgroup &identify,
                         const std::set<std::string> &acted_on) {
    const SeriesLimits &limits = report.policy.series;
    ContentionByPath all = contention_by_path(report.model);
    std::vector<Ranked> chosen, protected_cgroups, contended;
    for (const auto &[path, c] : all) {
        std::optional<size_t> class_index = report.classify(*c.path);
        const ClassPolicy *cls = class_index && *class_index < report.policy.classes.size()
                                     ? &report.policy.classes[*class_index]
                                     : nullptr;
        Ranked candidate{path, &c, class_index, cls ? cls->priority : 0};
        if (acted_on.count(*c.path))
            chosen.push_back(candidate);
        else if (cls && cls->slo.any())
            protected_cgroups.push_back(candidate);
        else if (c.any())
            contended.push_back(candidate);
    }
    ExportScope scope;
    scope.left_out = take_best(protected_cgroups, limits.protected_cgroups, chosen) +
                     take_best(contended, limits.contended, chosen);
    for (const Ranked &r : chosen) {
        const std::string &path = *r.contention->path;
        scope.by_path[path] = {path, r.contention->cpu_id, r.class_index,
                               labels_of(path, r.class_index, report.policy, identify)};
    }
    return scope;
}

Labels with(Labels labels, std::string name, std::string value) {
    labels.push_back({std::move(name), std::move(value)});
    return labels;
}

}  // namespace cgw
