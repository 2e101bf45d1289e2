#include "cgwarden/exporter/scope.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

// What ranks a cgroup for series: seconds its work could not run in the last
// interval (waiting for a CPU, throttled by its quota, its block requests
// queued and served), then packets it lost (drops, retransmits).
struct Contention {
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

Contention contention_of(const CgroupModel *m) {
    Contention c;
    if (!m)
        return c;
    if (m->cpu)
        c.wait_s += m->cpu->runq_delay_total_s + m->cpu->cpu_stat_throttled_s;
    if (m->io)
        c.wait_s += m->io->wait_total_s;
    if (m->net)
        c.lost_packets += lost_packets(*m->net);
    return c;
}

// A candidate for series: higher class first, then the most contended; the
// path breaks ties, so that idle cgroups keep the same series pass to pass.
struct Ranked {
    std::string_view path;
    const ScopeCandidates::Cgroup *cgroup;
    Contention contention;

    auto rank() const { return std::tuple(cgroup->priority, contention.rank()); }
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

void ScopeCandidates::update(const TickReport &report) {
    const CgroupPaths &paths = report.model.paths();
    if (generation_ == paths.generation && policy_ == &report.policy &&
        classify_ == &report.classify)
        return;
    generation_ = paths.generation;
    policy_ = &report.policy;
    classify_ = &report.classify;
    by_path_.clear();
    protected_order_.clear();
    std::vector<std::pair<int, std::string_view>> by_priority;  // of the protected ones
    auto add = [&](std::string_view path, CpuCgroupId cpu_id) {
        auto [it, added] = by_path_.try_emplace(path);
        if (!added)
            return;
        Cgroup &cg = it->second;
        cg.cpu_id = cpu_id;
        cg.class_index = report.classify(std::string(path));
        if (cg.class_index && *cg.class_index < report.policy.classes.size()) {
            const ClassPolicy &cls = report.policy.classes[*cg.class_index];
            cg.priority = cls.priority;
            cg.is_protected = cls.slo.any();
        }
        if (cg.is_protected)
            by_priority.emplace_back(-cg.priority, path);
    };
    if (paths.cpu)
        for (const auto &[id, path] : *paths.cpu)
            add(path, id);
    if (paths.io)
        for (const auto &[id, path] : *paths.io)
            add(path, CpuCgroupId{});
    if (paths.net)
        for (const auto &[id, path] : *paths.net)
            add(path, CpuCgroupId{});
    std::sort(by_priority.begin(), by_priority.end());  // higher class first, then by path
    for (const auto &[priority, path] : by_priority)
        protected_order_.push_back(path);
}

const ScopeCandidates::Cgroup *ScopeCandidates::find(std::string_view path,
                                                     std::string_view *key) const {
    auto it = by_path_.find(path);
    if (it == by_path_.end())
        return nullptr;
    if (key)
        *key = it->first;
    return &it->second;
}

ExportScope select_scope(const TickReport &report, const IdentifyCgroup &identify,
                         const std::set<std::string> &acted_on, ScopeCandidates &candidates) {
    candidates.update(report);
    const SeriesLimits &limits = report.policy.series;
    std::vector<Ranked> chosen, protected_cgroups, contended;
    // Those already ranked: acted on, or in the interval's model.
    std::unordered_set<std::string_view> ranked;
    size_t protected_total = candidates.protected_order().size();
    for (const std::string &path : acted_on) {
        std::string_view key;
        const ScopeCandidates::Cgroup *cg = candidates.find(path, &key);
        if (!cg)
            continue;  // gone
        chosen.push_back({key, cg, contention_of(report.model.find(path))});
        ranked.insert(key);
        protected_total -= cg->is_protected;
    }
    for (const auto &[path, m] : report.model.cgroups()) {
        std::string_view key;
        const ScopeCandidates::Cgroup *cg = candidates.find(path, &key);
        if (!cg || ranked.count(key))
            continue;
        Ranked r{key, cg, contention_of(&m)};
        if (cg->is_protected)
            protected_cgroups.push_back(r);
        else if (r.contention.any())
            contended.push_back(r);
        else
            continue;
        ranked.insert(key);
    }
    // Protected cgroups that did nothing rank by class and path alone, in
    // the candidates' order: only the first few can get series.
    size_t room = limits.protected_cgroups;
    for (std::string_view path : candidates.protected_order()) {
        if (room == 0)
            break;
        if (ranked.count(path))
            continue;
        protected_cgroups.push_back({path, candidates.find(path), {}});
        --room;
    }
    ExportScope scope;
    size_t taken = std::min(limits.protected_cgroups, protected_total);
    take_best(protected_cgroups, limits.protected_cgroups, chosen);
    scope.left_out = (protected_total - taken) + take_best(contended, limits.contended, chosen);
    for (const Ranked &r : chosen) {
        std::string path(r.path);
        scope.by_path[path] = {path, r.cgroup->cpu_id, r.cgroup->class_index,
                               labels_of(path, r.cgroup->class_index, report.policy, identify)};
    }
    return scope;
}

Labels with(Labels labels, std::string name, std::string value) {
    labels.push_back({std::move(name), std::move(value)});
    return labels;
}

}  // namespace cgw
