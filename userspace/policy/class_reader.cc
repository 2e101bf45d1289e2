#include "class_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>

#include "cgwarden/policy/glob.h"
#include "cgwarden/policy/units.h"

namespace cgw::policy_yaml {

namespace {

using namespace std::chrono_literals;

// Defaults when a knob leaves them out: slow to give back, quick to react.
constexpr Duration kDefaultHoldDown = 30s;
constexpr Duration kDefaultCooldown = 10s;
// The kernel refuses a CFS quota under 1ms; with the default 100ms period
// that is 0.01 CPUs.
constexpr double kMinCpus = 0.01;

Result<double> parse_knob_value(Knob knob, std::string_view text) {
    switch (knob) {
        case Knob::CpuIdle:
            break;  // no value to give: read_idle_bounds
        case Knob::CpuWeight:
        case Knob::IoWeight:
            return parse_weight(text);
        case Knob::CpuMax:
            return parse_cpus(text);
        case Knob::IoMax:
        case Knob::NetEgressRate:
            return parse_rate(text);
        case Knob::MemoryHigh:
            return parse_size(text);
    }
    return Error{"unknown knob"};
}

// Limits can be lifted altogether ("max"); weights cannot.
bool can_be_unlimited(Knob knob) {
    return knob != Knob::CpuWeight && knob != Knob::IoWeight;
}

// cpu_idle is on or off: only how it moves, never how far.
std::optional<KnobBounds> read_idle_bounds(YamlChecker &check, const YAML::Node &node,
                                           const std::string &path) {
    if (!check.expect_map(node, path, {"hold_down", "cooldown"}))
        return std::nullopt;
    auto hold_down = check.read(node, "hold_down", path, parse_positive_duration);
    auto cooldown = check.read(node, "cooldown", path, parse_positive_duration);
    return KnobBounds{0, 1, 1, hold_down.value_or(kDefaultHoldDown),
                      cooldown.value_or(kDefaultCooldown)};
}

std::optional<KnobBounds> read_bounds(YamlChecker &check, Knob knob, const YAML::Node &node,
                                      const std::string &path) {
    if (knob == Knob::CpuIdle)
        return read_idle_bounds(check, node, path);
    if (!check.expect_map(node, path, {"floor", "ceiling", "step", "hold_down", "cooldown"}))
        return std::nullopt;
    auto value = [knob](std::string_view text) { return parse_knob_value(knob, text); };
    auto ceiling_value = [knob](std::string_view text) -> Result<double> {
        if (text == "max" && can_be_unlimited(knob))
            return std::numeric_limits<double>::infinity();
        return parse_knob_value(knob, text);
    };
    auto floor = check.read(node, "floor", path, value, true);
    auto ceiling = check.read(node, "ceiling", path, ceiling_value, true);
    auto step = check.read(node, "step", path, value, true);
    auto hold_down = check.read(node, "hold_down", path, parse_positive_duration);
    auto cooldown = check.read(node, "cooldown", path, parse_positive_duration);

    std::string floor_path = child_path(path, "floor");
    if (floor && knob == Knob::CpuMax && *floor < kMinCpus)
        check.error(node["floor"], floor_path,
                    fmt::format("expected at least {} CPUs (the kernel's smallest quota is 1ms "
                                "per 100ms period), got '{}'",
                                kMinCpus, node["floor"].Scalar()));
    else if (floor && *floor <= 0)
        check.error(node["floor"], floor_path,
                    fmt::format("expected a floor above 0, got '{}'", node["floor"].Scalar()));
    if (floor && ceiling && *floor > *ceiling)
        check.error(node["floor"], floor_path,
                    fmt::format("expected floor <= ceiling, got floor '{}' above ceiling '{}'",
                                node["floor"].Scalar(), node["ceiling"].Scalar()));
    if (step && *step <= 0)
        check.error(node["step"], child_path(path, "step"),
                    fmt::format("expected a step above 0, got '{}'", node["step"].Scalar()));
    if (!floor || !ceiling || !step)
        return std::nullopt;
    return KnobBounds{*floor, *ceiling, *step, hold_down.value_or(kDefaultHoldDown),
                      cooldown.value_or(kDefaultCooldown)};
}

std::map<Knob, KnobBounds> read_knobs(YamlChecker &check, const YAML::Node &node,
                                      const std::string &path) {
    std::map<Knob, KnobBounds> knobs;
    if (!check.expect_map(node, path,
                          {"cpu_weight", "cpu_idle", "cpu_max", "io_weight", "io_max",
                           "memory_high", "net_egress_rate"}))
        return knobs;
    for (const auto &entry : node) {
        auto knob = knob_from_string(entry.first.Scalar());
        if (!knob)
            continue;  // reported by expect_map
        if (auto bounds =
                read_bounds(check, *knob, entry.second, child_path(path, entry.first.Scalar())))
            knobs.emplace(*knob, *bounds);
    }
    return knobs;
}

Slo read_slo(YamlChecker &check, const YAML::Node &node, const std::string &path) {
    Slo slo;
    if (!check.expect_map(node, path,
                          {"cpu_delay_p99", "io_latency_p99", "heartbeat_drops", "heartbeat_gap",
                           "memory_stall"}))
        return slo;
    auto count = [](std::string_view text) -> Result<uint64_t> {
        auto n = parse_integer(text, 0, INT64_MAX, "a count of 0 or more");
        if (!n)
            return n.error();
        return static_cast<uint64_t>(*n);
    };
    slo.cpu_delay_p99 = check.read(node, "cpu_delay_p99", path, parse_positive_duration);
    slo.io_latency_p99 = check.read(node, "io_latency_p99", path, parse_positive_duration);
    slo.heartbeat_drops = check.read(node, "heartbeat_drops", path, count);
    slo.heartbeat_gap = check.read(node, "heartbeat_gap", path, parse_positive_duration);
    slo.memory_stall = check.read(node, "memory_stall", path, parse_percent);
    return slo;
}

Result<std::string> parse_glob(std::string_view text) {
    if (auto why = glob_error(text))
        return Error{fmt::format("{}, got '{}'", *why, text)};
    return std::string(text);
}

Result<std::string> parse_unit(std::string_view text) {
    for (std::string_view suffix : {".service", ".scope", ".slice"})
        if (text.size() > suffix.size() && text.ends_with(suffix) &&
            text.find('/') == std::string_view::npos)
            return std::string(text);
    return expected("a systemd unit like kubelet.service (.service, .scope or .slice)", text);
}

Result<QosClass> parse_qos(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (QosClass qos : {QosClass::Guaranteed, QosClass::Burstable, QosClass::BestEffort})
        if (lower == to_string(qos))
            return qos;
    return expected("guaranteed, burstable or besteffort", text);
}

// Kubernetes pod uids are RFC 4122 UUIDs, 8-4-4-4-12 hex digits.
Result<std::string> parse_pod_uid(std::string_view text) {
    bool ok = text.size() == 36;
    for (size_t i = 0; ok && i < text.size(); ++i)
        ok = (i == 8 || i == 13 || i == 18 || i == 23)
                 ? text[i] == '-'
                 : std::isxdigit(static_cast<unsigned char>(text[i]));
    if (!ok)
        return expected("a pod uid like 1b2c3d4e-0000-4a5b-8c9d-0123456789ab", text);
    return std::string(text);
}

MatchRule read_match(YamlChecker &check, const YAML::Node &node, const std::string &path) {
    MatchRule rule;
    if (!check.expect_map(node, path, {"paths", "units", "k8s_qos", "pod_uids"}))
        return rule;
    rule.path_globs = check.read_list(node, "paths", path, parse_glob);
    rule.systemd_units = check.read_list(node, "units", path, parse_unit);
    rule.k8s_qos = check.read_list(node, "k8s_qos", path, parse_qos);
    rule.pod_uids = check.read_list(node, "pod_uids", path, parse_pod_uid);
    return rule;
}

Result<std::string> parse_class_name(std::string_view text) {
    bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_' || c == '.';
    });
    if (!ok)
        return expected("a class name of letters, digits, '-', '_' or '.'", text);
    return std::string(text);
}

Result<int> parse_priority(std::string_view text) {
    auto n = parse_integer(text, -1000000, 1000000,
                           "a whole-number priority (higher is more protected)");
    if (!n)
        return n.error();
    return static_cast<int>(*n);
}

bool matches_nothing(const MatchRule &m) {
    return m.path_globs.empty() && m.systemd_units.empty() && m.k8s_qos.empty() &&
           m.pod_uids.empty();
}

ClassPolicy read_class(YamlChecker &check, const YAML::Node &node, const std::string &path,
                       const std::optional<std::string> &default_class) {
    ClassPolicy c;
    if (!check.expect_map(node, path, {"name", "priority", "match", "slo", "knobs"}))
        return c;
    c.name = check.read(node, "name", path, parse_class_name, true).value_or("");
    c.priority = check.read(node, "priority", path, parse_priority).value_or(0);
    size_t errors_before = check.error_count();
    if (node["match"])
        c.match = read_match(check, node["match"], child_path(path, "match"));
    // Rules that were all refused were reported already; say it once.
    if (matches_nothing(c.match) && check.error_count() == errors_before && !c.name.empty() &&
        c.name != default_class)
        check.error(node, path,
                    fmt::format("class '{}' matches no cgroup: give it match rules (paths, units, "
                                "k8s_qos, pod_uids) or make it the default_class",
                                c.name));
    if (node["slo"])
        c.slo = read_slo(check, node["slo"], child_path(path, "slo"));
    if (node["knobs"])
        c.knobs = read_knobs(check, node["knobs"], child_path(path, "knobs"));
    return c;
}

}  // namespace

std::vector<ClassPolicy> read_classes(YamlChecker &check, const YAML::Node &classes,
                                      const std::optional<std::string> &default_class) {
    std::vector<ClassPolicy> out;
    if (!check.expect_sequence(classes, "classes"))
        return out;
    for (size_t i = 0; i < classes.size(); ++i) {
        std::string path = index_path("classes", i);
        ClassPolicy c = read_class(check, classes[i], path, default_class);
        auto same = std::find_if(out.begin(), out.end(),
                                 [&](const ClassPolicy &o) { return o.name == c.name; });
        if (!c.name.empty() && same != out.end())
            check.error(classes[i]["name"], child_path(path, "name"),
                        fmt::format("class name '{}' is already used by classes[{}]", c.name,
                                    same - out.begin()));
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace cgw::policy_yaml
