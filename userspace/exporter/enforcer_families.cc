#include "cgwarden/exporter/enforcer_families.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "cgwarden/decisions/history.h"

namespace cgw {

namespace {

using prometheus::MetricType;

const char *to_label(Direction d) {
    return d == Direction::Down ? "down" : "up";
}

// The SLOs of a class, with their targets in seconds where they are times
// (heartbeat_drops is a count per interval, memory_stall a share of it:
// breach only).
std::map<std::string, std::optional<double>> evaluated_slos(const ClassPolicy &cls) {
    auto seconds = [](Duration d) { return std::chrono::duration<double>(d).count(); };
    std::map<std::string, std::optional<double>> slos;
    if (cls.slo.cpu_delay_p99)
        slos["cpu_delay_p99"] = seconds(*cls.slo.cpu_delay_p99);
    if (cls.slo.io_latency_p99)
        slos["io_latency_p99"] = seconds(*cls.slo.io_latency_p99);
    if (cls.slo.heartbeat_drops)
        slos["heartbeat_drops"] = std::nullopt;
    if (cls.slo.heartbeat_gap)
        slos["heartbeat_gap"] = seconds(*cls.slo.heartbeat_gap);
    if (cls.slo.memory_stall)
        slos["memory_stall"] = std::nullopt;
    return slos;
}

void add_slos(const TickReport &report, const ExportScope &scope, Families &out) {
    FamilyBuilder breach("cgwarden_slo_breach",
                         "1 while the protected cgroup breaches the SLO in the last interval, "
                         "else 0.",
                         MetricType::Gauge);
    FamilyBuilder target("cgwarden_slo_target_seconds",
                         "The SLO of the protected cgroup's class, from the policy.",
                         MetricType::Gauge);
    std::set<std::pair<std::string, std::string>> breached;
    for (const Breach &b : report.output.breaches)
        breached.emplace(b.cgroup, b.slo);
    for (const auto &[path, cg] : scope.by_path) {
        if (!cg.class_index || *cg.class_index >= report.policy.classes.size())
            continue;
        for (const auto &[slo, seconds] : evaluated_slos(report.policy.classes[*cg.class_index])) {
            breach.add(with(cg.labels, "slo", slo), breached.count({cg.path, slo}) ? 1 : 0);
            if (seconds)
                target.add(with(cg.labels, "slo", slo), *seconds);
        }
    }
    out.push_back(std::move(breach).take());
    out.push_back(std::move(target).take());
}

// Knob labels: a per-device knob (io_max) also names its device.
Labels knob_labels(const Labels &cgroup, const KnobTarget &target) {
    Labels labels = with(cgroup, "knob", to_string(target.knob));
    return target.device.empty() ? labels : with(labels, "device", target.device);
}

void add_knobs(const TickReport &report, const ExportScope &scope, Families &out) {
    // Values read at the start of the pass, then what this pass wrote.
    std::map<KnobTarget, double> values;
    for (const auto &[path, cg] : report.input.cgroups) {
        for (const auto &[slot, value] : cg.knobs)
            values[{path, slot.knob, slot.device}] = value;
    }
    for (const DecisionRecord &r : report.decisions) {
        if (r.applied)
            values[r.decision.target()] = r.decision.new_value;
    }
    FamilyBuilder value("cgwarden_knob_value",
                        "Current value of a cgroup knob cgwarden may turn this pass (one it holds, "
                        "or one of a cgroup named as the antagonist of a higher class), in "
                        "policy units "
                        "(cpu_weight 1..10000, cpu_max CPUs with +Inf for no quota, io_weight "
                        "1..10000, io_max bytes/s per device with +Inf for no limit).",
                        MetricType::Gauge);
    FamilyBuilder original("cgwarden_knob_original_value",
                           "The knob's value before cgwarden first changed it; restored on "
                           "shutdown.",
                           MetricType::Gauge);
    for (const auto &[key, v] : values) {
        if (const ScopedCgroup *cg = scope.find(key.cgroup))
            value.add(knob_labels(cg->labels, key), v);
    }
    for (const auto &[key, state] : report.output.state.knobs) {
        if (const ScopedCgroup *cg = scope.find(key.cgroup))
            original.add(knob_labels(cg->labels, key), state.original);
    }
    out.push_back(std::move(value).take());
    out.push_back(std::move(original).take());
}

}  // namespace

void ActionTally::count(const TickReport &report) {
    for (const DecisionRecord &r : report.decisions) {
        const Decision &d = r.decision;
        ++actions_[{d.cgroup, to_string(d.knob), to_label(d.direction), d.rule}];
        write_errors_ += !r.error.empty();
    }
    // The few cgroups acted on are looked up among the node's thousands,
    // not the other way round: no copy of every path each pass.
    std::set<std::string> gone;  // copies: erasing actions_ would free views
    for (const auto &[key, n] : actions_)
        gone.insert(std::get<0>(key));
    std::erase_if(gone, [&](const std::string &path) { return report.model.exists(path); });
    std::erase_if(actions_,
                  [&](const auto &entry) { return gone.count(std::get<0>(entry.first)) > 0; });
}

std::set<std::string> ActionTally::cgroups() const {
    std::set<std::string> out;
    for (const auto &[key, n] : actions_)
        out.insert(std::get<0>(key));
    return out;
}

void add_enforcer_families(const TickReport &report, const ExportScope &scope,
                           const ActionTally &tally, Families &out) {
    add_slos(report, scope, out);
    add_knobs(report, scope, out);
    FamilyBuilder actions("cgwarden_actions_total",
                          "Knob changes decided (applied in enforce mode, only recorded in "
                          "dry-run), by direction and the rule that made them.",
                          MetricType::Counter);
    for (const auto &[key, n] : tally.actions()) {
        const auto &[cgroup, knob, direction, rule] = key;
        const ScopedCgroup *cg = scope.find(cgroup);
        if (!cg)
            continue;
        Labels labels = with(cg->labels, "knob", knob);
        labels = with(with(std::move(labels), "direction", direction), "rule", rule);
        actions.add(std::move(labels), static_cast<double>(n));
    }
    out.push_back(std::move(actions).take());
    FamilyBuilder errors("cgwarden_cgroup_write_errors_total",
                         "Knob writes to cgroupfs that failed.", MetricType::Counter);
    errors.add({}, static_cast<double>(tally.write_errors()));
    out.push_back(std::move(errors).take());
}

}  // namespace cgw
