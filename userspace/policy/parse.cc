#include "cgwarden/policy/parse.h"

#include <fmt/format.h>

#include <algorithm>

#include "cgwarden/common/file.h"
#include "cgwarden/policy/units.h"
#include "class_reader.h"
#include "disk_reader.h"
#include "yaml_checker.h"

namespace cgw {

namespace {

using namespace std::chrono_literals;
using policy_yaml::child_path;
using policy_yaml::index_path;
using policy_yaml::YamlChecker;

// Shorter intervals cost more CPU than the contention they would catch.
constexpr Duration kMinInterval = 100ms;

Result<Duration> parse_interval(std::string_view text) {
    auto d = parse_positive_duration(text);
    if (d && *d < kMinInterval)
        return expected("an interval of at least 100ms", text);
    return d;
}

Result<Mode> parse_mode(std::string_view text) {
    if (auto mode = mode_from_string(text))
        return *mode;
    return expected("enforce, dry-run or monitor", text);
}

Result<std::string> parse_proto(std::string_view text) {
    if (text == "udp" || text == "tcp")
        return std::string(text);
    return expected("udp or tcp", text);
}

Result<std::string> parse_absolute_path(std::string_view text) {
    if (!text.starts_with('/'))
        return expected("an absolute path", text);
    return std::string(text);
}

// "127.0.0.1:9477", "[::1]:9477", "localhost:9477", ":9477" is refused: an
// exporter listening on every interface must be asked for with 0.0.0.0.
Result<std::string> parse_listen(std::string_view text) {
    size_t colon = text.rfind(':');
    std::string_view host = colon == std::string_view::npos ? "" : text.substr(0, colon);
    if (host.starts_with('[') && host.ends_with(']'))
        host = host.substr(1, host.size() - 2);
    if (host.empty() || !parse_port(text.substr(colon + 1)))
        return expected("a listen address host:port like 127.0.0.1:9477 or [::1]:9477", text);
    return std::string(text);
}

Result<int> parse_flap_limit(std::string_view text) {
    auto n = parse_integer(text, 1, 1000, "a number of reversals 1..1000");
    if (!n)
        return n.error();
    return static_cast<int>(*n);
}

std::vector<HeartbeatFlow> read_heartbeats(YamlChecker &check, const YAML::Node &list) {
    std::vector<HeartbeatFlow> flows;
    if (!check.expect_sequence(list, "heartbeats"))
        return flows;
    for (size_t i = 0; i < list.size(); ++i) {
        std::string path = index_path("heartbeats", i);
        const YAML::Node &node = list[i];
        if (!check.expect_map(node, path, {"name", "proto", "port", "interval", "cgroup"}))
            continue;
        HeartbeatFlow flow;
        auto name = [](std::string_view text) -> Result<std::string> {
            if (text.empty() || text.find_first_of("= \t") != std::string_view::npos)
                return expected("a flow name without blanks or '='", text);
            return std::string(text);
        };
        flow.name = check.read(node, "name", path, name, true).value_or("");
        flow.proto = check.read(node, "proto", path, parse_proto, true).value_or("");
        flow.port = check.read(node, "port", path, parse_port, true).value_or(0);
        flow.interval = check.read(node, "interval", path, parse_positive_duration);
        flow.cgroup = check.read(node, "cgroup", path, parse_absolute_path);
        if (std::any_of(flows.begin(), flows.end(),
                        [&](const HeartbeatFlow &f) { return f.name == flow.name; }))
            check.error(node["name"], child_path(path, "name"),
                        fmt::format("flow name '{}' is used twice", flow.name));
        // The network sensor keys flows by protocol and port: a second flow
        // on the same pair would be refused there, with every net signal.
        auto same_port = std::find_if(flows.begin(), flows.end(), [&](const HeartbeatFlow &f) {
            return f.port != 0 && f.proto == flow.proto && f.port == flow.port;
        });
        if (same_port != flows.end())
            check.error(node["port"], child_path(path, "port"),
                        fmt::format("{}:{} is already flow '{}': one flow per protocol and port",
                                    flow.proto, flow.port, same_port->name));
        flows.push_back(std::move(flow));
    }
    return flows;
}

void read_flap(YamlChecker &check, const YAML::Node &node, Policy &policy) {
    if (!check.expect_map(node, "flap", {"limit", "window"}))
        return;
    policy.flap_limit =
        check.read(node, "limit", "flap", parse_flap_limit).value_or(policy.flap_limit);
    policy.flap_window =
        check.read(node, "window", "flap", parse_positive_duration).value_or(policy.flap_window);
}

Result<size_t> parse_series_count(std::string_view text) {
    auto n = parse_integer(text, 0, 100000, "a number of cgroups 0..100000");
    if (!n)
        return n.error();
    return static_cast<size_t>(*n);
}

void read_series(YamlChecker &check, const YAML::Node &node, Policy &policy) {
    if (!check.expect_map(node, "series", {"protected", "contended"}))
        return;
    SeriesLimits &limits = policy.series;
    limits.protected_cgroups = check.read(node, "protected", "series", parse_series_count)
                                   .value_or(limits.protected_cgroups);
    limits.contended =
        check.read(node, "contended", "series", parse_series_count).value_or(limits.contended);
}

void check_default_class(YamlChecker &check, const YAML::Node &root, const Policy &policy) {
    if (policy.default_class &&
        std::none_of(policy.classes.begin(), policy.classes.end(),
                     [&](const ClassPolicy &c) { return c.name == *policy.default_class; }))
        check.error(root["default_class"], "default_class",
                    fmt::format("expected the name of a class in 'classes', got '{}'",
                                *policy.default_class));
}

Policy read_policy(YamlChecker &check, const YAML::Node &root) {
    Policy policy;
    if (!check.expect_map(root, "",
                          {"interval", "mode", "state_dir", "listen", "series", "flap",
                           "heartbeats", "disks", "default_class", "classes"}))
        return policy;
    policy.interval = check.read(root, "interval", "", parse_interval).value_or(policy.interval);
    policy.mode = check.read(root, "mode", "", parse_mode).value_or(policy.mode);
    policy.state_dir =
        check.read(root, "state_dir", "", parse_absolute_path).value_or(policy.state_dir);
    policy.listen = check.read(root, "listen", "", parse_listen).value_or(policy.listen);
    if (root["series"])
        read_series(check, root["series"], policy);
    if (root["flap"])
        read_flap(check, root["flap"], policy);
    if (root["heartbeats"])
        policy.heartbeats = read_heartbeats(check, root["heartbeats"]);
    if (root["disks"])
        policy.disks = policy_yaml::read_disks(check, root["disks"]);
    policy.default_class = check.read(root, "default_class", "", [](std::string_view text) {
        return Result<std::string>(std::string(text));
    });
    if (root["classes"])
        policy.classes = policy_yaml::read_classes(check, root["classes"], policy.default_class);
    check_default_class(check, root, policy);
    return policy;
}

std::string join_lines(const std::vector<std::string> &lines) {
    return fmt::format("{}", fmt::join(lines, "\n"));
}

}  // namespace

Result<Policy> parse_policy(std::string_view text, const std::string &filename) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception &e) {
        return Error{fmt::format("{}:{}:{}: not valid YAML: {}", filename, e.mark.line + 1,
                                 e.mark.column + 1, e.msg)};
    }
    YamlChecker check(filename);
    if (root.IsNull()) {
        check.error(root, "", "the file is empty: expected at least 'classes'");
        return Error{join_lines(check.errors())};
    }
    Policy policy = read_policy(check, root);
    if (!check.errors().empty())
        return Error{join_lines(check.errors())};
    return policy;
}

Result<Policy> load_policy(const std::filesystem::path &path) {
    auto text = read_file(path);
    if (!text)
        return text.error().context("loading the policy");
    return parse_policy(*text, path.string());
}

}  // namespace cgw
