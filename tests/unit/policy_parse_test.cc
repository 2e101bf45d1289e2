#include "cgwarden/policy/parse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace cgw {
namespace {

using namespace std::chrono_literals;

// The errors of a file that must not parse, one a line.
std::vector<std::string> errors_of(const std::string &yaml) {
    auto policy = parse_policy(yaml, "cgwarden.yaml");
    EXPECT_FALSE(policy) << "expected errors in:\n" << yaml;
    std::vector<std::string> lines;
    if (policy)
        return lines;
    std::istringstream in(policy.error().message);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// A file with exactly one error, which must be `expected` to the letter.
void expect_error(const std::string &yaml, const std::string &expected) {
    auto errors = errors_of(yaml);
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0], expected);
}

constexpr const char *kMinimalClass =
    "classes:\n"
    "  - name: critical\n"
    "    match: {units: [kubelet.service]}\n";

TEST(PolicyParse, DefaultsForAbsentSettings) {
    auto policy = parse_policy(kMinimalClass, "p.yaml");
    ASSERT_TRUE(policy) << policy.error().message;
    EXPECT_EQ(policy->interval, 1s);
    EXPECT_EQ(policy->mode, Mode::Monitor);
    EXPECT_EQ(policy->state_dir, "/var/lib/cgwarden");
    EXPECT_EQ(policy->listen, "127.0.0.1:9477");
    EXPECT_EQ(policy->flap_limit, 3);
    EXPECT_EQ(policy->series.protected_cgroups, 500u);
    EXPECT_EQ(policy->series.contended, 50u);
    ASSERT_EQ(policy->classes.size(), 1u);
    EXPECT_EQ(policy->classes[0].match.systemd_units[0], "kubelet.service");
    EXPECT_EQ(policy->classes[0].priority, 0);
}

TEST(PolicyParse, EverySetting) {
    auto policy = parse_policy(R"(
interval: 500ms
mode: dry-run
state_dir: /run/cgw
listen: "[::1]:9100"
series: {protected: 2000, contended: 0}
flap: {limit: 5, window: 2m}
heartbeats:
  - {name: gossip, proto: udp, port: 7946, interval: 200ms, cgroup: /system.slice/serf.service}
  - {name: api, proto: tcp, port: 6443}
disks:
  - device: /dev/vdb
    io_cost:
      model: rbps=1000000000 rseqiops=1000 rrandiops=1000 wbps=1000000000 wseqiops=1000 wrandiops=1000
      qos: rpct=95 rlat=10000 wpct=99.9 wlat=20000 min=50 max=100
default_class: standard
classes:
  - name: critical
    priority: 100
    match:
      paths: [/system.slice/kubelet.service, "/agents/**"]
      units: [containerd.service]
      k8s_qos: [Guaranteed]
      pod_uids: [1b2c3d4e-5f60-4a5b-8c9d-0123456789ab]
    slo: {cpu_delay_p99: 5ms, io_latency_p99: 20ms, heartbeat_drops: 0, heartbeat_gap: 1.5s,
          memory_stall: 12.5%}
  - name: standard
  - name: best-effort
    priority: -10
    match: {k8s_qos: [besteffort]}
    knobs:
      cpu_weight: {floor: 1, ceiling: 100, step: 20, hold_down: 1m, cooldown: 5s}
      cpu_max: {floor: 250m, ceiling: max, step: 0.5}
      io_weight: {floor: 10, ceiling: 100, step: 10}
      io_max: {floor: 10MiB/s, ceiling: max, step: 10MiB/s}
      memory_high: {floor: 256Mi, ceiling: 4Gi, step: 256Mi}
      net_egress_rate: {floor: 1M/s, ceiling: 1G/s, step: 10M/s}
)",
                               "p.yaml");
    ASSERT_TRUE(policy) << policy.error().message;
    EXPECT_EQ(policy->interval, 500ms);
    EXPECT_EQ(policy->mode, Mode::DryRun);
    EXPECT_EQ(policy->state_dir, "/run/cgw");
    EXPECT_EQ(policy->listen, "[::1]:9100");
    EXPECT_EQ(policy->series.protected_cgroups, 2000u);
    EXPECT_EQ(policy->series.contended, 0u);
    EXPECT_EQ(policy->flap_limit, 5);
    EXPECT_EQ(policy->flap_window, 120s);
    ASSERT_EQ(policy->heartbeats.size(), 2u);
    EXPECT_EQ(policy->heartbeats[0].name, "gossip");
    EXPECT_EQ(policy->heartbeats[0].proto, "udp");
    EXPECT_EQ(policy->heartbeats[0].port, 7946);
    EXPECT_EQ(policy->heartbeats[0].interval, 200ms);
    EXPECT_EQ(policy->heartbeats[0].cgroup, "/system.slice/serf.service");
    EXPECT_FALSE(policy->heartbeats[1].interval);
    ASSERT_EQ(policy->disks.size(), 1u);
    EXPECT_EQ(policy->disks[0].device, "/dev/vdb");
    EXPECT_EQ(policy->disks[0].io_cost.model,
              "rbps=1000000000 rseqiops=1000 rrandiops=1000 wbps=1000000000 wseqiops=1000 "
              "wrandiops=1000");
    EXPECT_EQ(policy->disks[0].io_cost.qos,
              "rpct=95 rlat=10000 wpct=99.9 wlat=20000 min=50 max=100");
    EXPECT_EQ(policy->default_class, "standard");
    ASSERT_EQ(policy->classes.size(), 3u);
    const ClassPolicy &critical = policy->classes[0];
    EXPECT_EQ(critical.priority, 100);
    EXPECT_EQ(critical.match.path_globs.size(), 2u);
    EXPECT_EQ(critical.match.k8s_qos, std::vector{QosClass::Guaranteed});
    EXPECT_EQ(critical.match.pod_uids.size(), 1u);
    EXPECT_EQ(critical.slo.cpu_delay_p99, 5ms);
    EXPECT_EQ(critical.slo.io_latency_p99, 20ms);
    EXPECT_EQ(critical.slo.heartbeat_drops, 0u);
    EXPECT_EQ(critical.slo.heartbeat_gap, 1500ms);
    EXPECT_DOUBLE_EQ(*critical.slo.memory_stall, 0.125);
    const auto &knobs = policy->classes[2].knobs;
    ASSERT_EQ(knobs.size(), 6u);
    EXPECT_EQ(policy->classes[2].priority, -10);
    EXPECT_EQ(knobs.at(Knob::CpuWeight).hold_down, 60s);
    EXPECT_EQ(knobs.at(Knob::CpuWeight).cooldown, 5s);
    EXPECT_DOUBLE_EQ(knobs.at(Knob::CpuMax).floor, 0.25);
    EXPECT_TRUE(std::isinf(knobs.at(Knob::CpuMax).ceiling));
    EXPECT_EQ(knobs.at(Knob::CpuMax).hold_down, 30s) << "default";
    EXPECT_EQ(knobs.at(Knob::CpuMax).cooldown, 10s) << "default";
    EXPECT_EQ(knobs.at(Knob::IoMax).floor, 10.0 * 1024 * 1024);
    EXPECT_EQ(knobs.at(Knob::MemoryHigh).ceiling, 4.0 * 1024 * 1024 * 1024);
    EXPECT_EQ(knobs.at(Knob::NetEgressRate).step, 1e7);
}

TEST(PolicyParse, ErrorsNameFileLineColumnKeyAndExpectation) {
    expect_error(std::string(kMinimalClass) +
                     "  - name: batch\n"
                     "    match: {paths: [/batch/*]}\n"
                     "    slo:\n"
                     "      cpu_delay_p99: fast\n",
                 "cgwarden.yaml:7:22: classes[1].slo.cpu_delay_p99: expected a duration like 5ms "
                 "or 1.5s, got 'fast'");
    expect_error(std::string(kMinimalClass) +
                     "  - name: batch\n"
                     "    match: {paths: [/batch/*]}\n"
                     "    slo: {memory_stall: 0.1}\n",
                 "cgwarden.yaml:6:25: classes[1].slo.memory_stall: expected a share like 10% "
                 "(above 0, at most 100%), got '0.1'");
    expect_error(
        std::string("interval: 50ms\n") + kMinimalClass,
        "cgwarden.yaml:1:11: interval: expected an interval of at least 100ms, got '50ms'");
    expect_error(std::string("mode: enforcing\n") + kMinimalClass,
                 "cgwarden.yaml:1:7: mode: expected enforce, dry-run or monitor, got 'enforcing'");
    expect_error(std::string("listen: 9477\n") + kMinimalClass,
                 "cgwarden.yaml:1:9: listen: expected a listen address host:port like "
                 "127.0.0.1:9477 or [::1]:9477, got '9477'");
    expect_error(std::string("state_dir: var/lib\n") + kMinimalClass,
                 "cgwarden.yaml:1:12: state_dir: expected an absolute path, got 'var/lib'");
    expect_error(std::string("flap: {limit: 0}\n") + kMinimalClass,
                 "cgwarden.yaml:1:15: flap.limit: expected a number of reversals 1..1000, got '0'");
    expect_error(std::string("series: {protected: -1}\n") + kMinimalClass,
                 "cgwarden.yaml:1:21: series.protected: expected a number of cgroups 0..100000, "
                 "got '-1'");
}

TEST(PolicyParse, DisksIoCostIsCheckedKeyByKeyAsTheKernelWould) {
    auto disk = [](const std::string &model, const std::string &qos) {
        return std::string(kMinimalClass) + "disks:\n  - device: vdb\n    io_cost:\n" +
               "      model: " + model + "\n      qos: " + qos + "\n";
    };
    const std::string model = "rbps=1 rseqiops=2 rrandiops=3 wbps=4 wseqiops=5 wrandiops=6";
    ASSERT_TRUE(parse_policy(disk(model, "rpct=95 rlat=10000"), "p.yaml"));
    expect_error(disk("rbps=1 rseqiops=2 rrandiops=3 wbps=4 wseqiops=5", "rlat=10000"),
                 "cgwarden.yaml:7:14: disks[0].io_cost.model: 'wrandiops' is missing: the model "
                 "needs all of rbps, rseqiops, rrandiops, wbps, wseqiops, wrandiops (measure them "
                 "with the kernel's tools/cgroup/iocost_coef_gen.py)");
    expect_error(disk(model + " rbps=7", "rlat=10000"),
                 "cgwarden.yaml:7:14: disks[0].io_cost.model: 'rbps' is given twice");
    expect_error(disk(model, "rlat=10ms"),
                 "cgwarden.yaml:8:12: disks[0].io_cost.qos: expected microseconds for rlat, got "
                 "'10ms'");
    expect_error(disk(model, "rpct=101"),
                 "cgwarden.yaml:8:12: disks[0].io_cost.qos: expected a percentile 0..100 for "
                 "rpct, got '101'");
    expect_error(disk(model, "enable=1 rlat=10000"),
                 "cgwarden.yaml:8:12: disks[0].io_cost.qos: expected key=value items with keys "
                 "among rpct, rlat, wpct, wlat, min, max, got 'enable=1'");
    expect_error(disk(model, "min=90 max=50"),
                 "cgwarden.yaml:8:12: disks[0].io_cost.qos: min (90) is above max (50)");
    expect_error(std::string(kMinimalClass) + "disks:\n  - device: vdb\n",
                 "cgwarden.yaml:5:5: disks[0].io_cost: missing (required): the disk's model and "
                 "QoS");
}

TEST(PolicyParse, UnknownKeysSuggestTheNearestKnownOne) {
    expect_error(std::string("intervall: 1s\n") + kMinimalClass,
                 "cgwarden.yaml:1:1: intervall: unknown key (did you mean 'interval'?)");
    expect_error(
        std::string(kMinimalClass) + "    knobs: {cpu_wieght: {floor: 1, ceiling: 2, step: 1}}\n",
        "cgwarden.yaml:4:13: classes[0].knobs.cpu_wieght: unknown key (did you mean "
        "'cpu_weight'?)");
    auto errors = errors_of(std::string("colour: blue\n") + kMinimalClass);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("colour: unknown key (known: interval, mode,"), std::string::npos)
        << errors[0];
    expect_error(std::string("mode: enforce\nmode: monitor\n") + kMinimalClass,
                 "cgwarden.yaml:2:1: mode: given twice");
}

TEST(PolicyParse, KnobBoundsAreChecked) {
    auto knob = [](const std::string &bounds) {
        return std::string(kMinimalClass) + "    knobs:\n      " + bounds + "\n";
    };
    expect_error(knob("cpu_max: {floor: 2, ceiling: 1, step: 1}"),
                 "cgwarden.yaml:5:24: classes[0].knobs.cpu_max.floor: expected floor <= ceiling, "
                 "got floor '2' above ceiling '1'");
    expect_error(knob("cpu_weight: {floor: 1, ceiling: 100, step: 0}"),
                 "cgwarden.yaml:5:50: classes[0].knobs.cpu_weight.step: expected a weight "
                 "1..10000, got '0'");
    expect_error(knob("cpu_max: {floor: 1, ceiling: 2, step: 0m}"),
                 "cgwarden.yaml:5:45: classes[0].knobs.cpu_max.step: expected a step above 0, got "
                 "'0m'");
    expect_error(knob("cpu_max: {floor: 5m, ceiling: 2, step: 1}"),
                 "cgwarden.yaml:5:24: classes[0].knobs.cpu_max.floor: expected at least 0.01 CPUs "
                 "(the kernel's smallest quota is 1ms per 100ms period), got '5m'");
    expect_error(knob("memory_high: {floor: 0, ceiling: 1G, step: 1M}"),
                 "cgwarden.yaml:5:28: classes[0].knobs.memory_high.floor: expected a floor above "
                 "0, got '0'");
    expect_error(knob("cpu_weight: {floor: 1, ceiling: max, step: 1}"),
                 "cgwarden.yaml:5:39: classes[0].knobs.cpu_weight.ceiling: expected a weight "
                 "1..10000, got 'max'");
    expect_error(knob("io_max: {floor: 10M, ceiling: max, step: 1M/s}"),
                 "cgwarden.yaml:5:23: classes[0].knobs.io_max.floor: expected a rate like 10MiB/s "
                 "or 100M/s, got '10M'");
    expect_error(knob("io_weight: {floor: 1, ceiling: 10}"),
                 "cgwarden.yaml:5:18: classes[0].knobs.io_weight.step: missing (required)");
    expect_error(knob("cpu_weight: {floor: 1, ceiling: 10, step: 1, hold_down: 0s}"),
                 "cgwarden.yaml:5:63: classes[0].knobs.cpu_weight.hold_down: expected a duration "
                 "longer than 0, got '0s'");
    expect_error(knob("cpu_weight: 100"),
                 "cgwarden.yaml:5:19: classes[0].knobs.cpu_weight: expected a map of keys (floor, "
                 "ceiling, step, hold_down, cooldown)");
    auto idle_floor = errors_of(knob("cpu_idle: {floor: 0, hold_down: 5s}"));
    ASSERT_EQ(idle_floor.size(), 1u);
    EXPECT_NE(idle_floor[0].find("classes[0].knobs.cpu_idle.floor: unknown key (known: hold_down, "
                                 "cooldown)"),
              std::string::npos)
        << idle_floor[0];
}

TEST(PolicyParse, CpuIdleIsOnOrOffWithOnlyItsPace) {
    auto policy = parse_policy(
        std::string(kMinimalClass) + "    knobs:\n      cpu_idle: {hold_down: 45s, cooldown: 2s}\n",
        "cgwarden.yaml");
    ASSERT_TRUE(policy) << policy.error().message;
    const KnobBounds &idle = policy->classes[0].knobs.at(Knob::CpuIdle);
    EXPECT_EQ(idle.floor, 0) << "grants: 0 is idle";
    EXPECT_EQ(idle.ceiling, 1);
    EXPECT_EQ(idle.step, 1);
    EXPECT_EQ(idle.hold_down, 45s);
    EXPECT_EQ(idle.cooldown, 2s);
}

TEST(PolicyParse, MatchRulesAreChecked) {
    auto match = [](const std::string &rule) {
        return "classes:\n  - name: c\n    match: {" + rule + "}\n";
    };
    expect_error(match("paths: [batch/*]"),
                 "cgwarden.yaml:3:21: classes[0].match.paths[0]: a cgroup path glob starts with "
                 "'/' (paths are relative to the hierarchy root), got 'batch/*'");
    expect_error(match("paths: ['/a/**b']"),
                 "cgwarden.yaml:3:21: classes[0].match.paths[0]: '**' must be a whole path "
                 "component, as in /a/**/b, got '/a/**b'");
    expect_error(match("units: [kubelet]"),
                 "cgwarden.yaml:3:21: classes[0].match.units[0]: expected a systemd unit like "
                 "kubelet.service (.service, .scope or .slice), got 'kubelet'");
    expect_error(match("k8s_qos: [gold]"),
                 "cgwarden.yaml:3:23: classes[0].match.k8s_qos[0]: expected guaranteed, burstable "
                 "or besteffort, got 'gold'");
    expect_error(match("pod_uids: [abc]"),
                 "cgwarden.yaml:3:24: classes[0].match.pod_uids[0]: expected a pod uid like "
                 "1b2c3d4e-0000-4a5b-8c9d-0123456789ab, got 'abc'");
    expect_error(match("paths: /batch"),
                 "cgwarden.yaml:3:20: classes[0].match.paths: expected a list ('- item' lines or "
                 "[a, b])");
}

TEST(PolicyParse, ClassRulesAcrossKeys) {
    expect_error("classes:\n  - name: lonely\n",
                 "cgwarden.yaml:2:5: classes[0]: class 'lonely' matches no cgroup: give it match "
                 "rules (paths, units, k8s_qos, pod_uids) or make it the default_class");
    expect_error(std::string(kMinimalClass) + "  - name: critical\n    match: {paths: [/x]}\n",
                 "cgwarden.yaml:4:11: classes[1].name: class name 'critical' is already used by "
                 "classes[0]");
    expect_error(std::string("default_class: nobody\n") + kMinimalClass,
                 "cgwarden.yaml:1:16: default_class: expected the name of a class in 'classes', "
                 "got 'nobody'");
    expect_error("classes:\n  - match: {paths: [/x]}\n",
                 "cgwarden.yaml:2:5: classes[0].name: missing (required)");
    expect_error("classes:\n  - name: 'two words'\n    match: {paths: [/x]}\n",
                 "cgwarden.yaml:2:11: classes[0].name: expected a class name of letters, digits, "
                 "'-', '_' or '.', got 'two words'");
}

TEST(PolicyParse, HeartbeatsAreChecked) {
    auto flows = [](const std::string &items) {
        return std::string(kMinimalClass) + "heartbeats:\n" + items;
    };
    expect_error(flows("  - {name: hb, proto: icmp, port: 1}\n"),
                 "cgwarden.yaml:5:23: heartbeats[0].proto: expected udp or tcp, got 'icmp'");
    expect_error(flows("  - {name: hb, proto: udp, port: 70000}\n"),
                 "cgwarden.yaml:5:34: heartbeats[0].port: expected a port 1..65535, got '70000'");
    expect_error(
        flows("  - {name: hb, proto: udp, port: 1}\n  - {name: hb, proto: tcp, port: 2}\n"),
        "cgwarden.yaml:6:12: heartbeats[1].name: flow name 'hb' is used twice");
    // Accepted here once, then refused by the network sensor with every net signal.
    expect_error(
        flows("  - {name: a, proto: udp, port: 7946}\n  - {name: b, proto: udp, port: 7946}\n"),
        "cgwarden.yaml:6:33: heartbeats[1].port: udp:7946 is already flow 'a': one flow per "
        "protocol and port");
    ASSERT_TRUE(parse_policy(
        flows("  - {name: a, proto: udp, port: 7946}\n  - {name: b, proto: tcp, port: 7946}\n"),
        "p.yaml"));
    expect_error(flows("  - {name: hb, proto: udp}\n"),
                 "cgwarden.yaml:5:5: heartbeats[0].port: missing (required)");
    expect_error(flows("  - {name: hb, proto: udp, port: 1, cgroup: app}\n"),
                 "cgwarden.yaml:5:45: heartbeats[0].cgroup: expected an absolute path, got 'app'");
}

TEST(PolicyParse, ReportsEveryErrorInFileOrder) {
    auto errors = errors_of(R"(interval: 10ms
mode: loud
classes:
  - name: a
    match: {paths: [x]}
    slo: {cpu_delay_p99: soon}
)");
    ASSERT_EQ(errors.size(), 4u) << ::testing::PrintToString(errors);
    EXPECT_TRUE(errors[0].starts_with("cgwarden.yaml:1:")) << errors[0];
    EXPECT_TRUE(errors[1].starts_with("cgwarden.yaml:2:")) << errors[1];
    EXPECT_TRUE(errors[2].starts_with("cgwarden.yaml:5:")) << errors[2];
    EXPECT_TRUE(errors[3].starts_with("cgwarden.yaml:6:")) << errors[3];
}

TEST(PolicyParse, SyntaxErrorsAndEmptyFiles) {
    auto broken = parse_policy("classes: [\n", "cgwarden.yaml");
    ASSERT_FALSE(broken);
    EXPECT_TRUE(broken.error().message.starts_with("cgwarden.yaml:")) << broken.error().message;
    EXPECT_NE(broken.error().message.find("not valid YAML"), std::string::npos);
    auto empty = parse_policy("", "cgwarden.yaml");
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("the file is empty"), std::string::npos);
    auto list = parse_policy("- a\n", "cgwarden.yaml");
    ASSERT_FALSE(list);
    EXPECT_NE(list.error().message.find("(top): expected a map"), std::string::npos);
}

TEST(PolicyParse, MissingFileNamesThePath) {
    auto policy = load_policy("/nonexistent/cgwarden.yaml");
    ASSERT_FALSE(policy);
    EXPECT_NE(policy.error().message.find("/nonexistent/cgwarden.yaml"), std::string::npos);
}

TEST(PolicyParse, ShippedExampleIsValid) {
    auto policy = load_policy(std::string(CGW_SOURCE_DIR) + "/deploy/cgwarden.yaml");
    ASSERT_TRUE(policy) << policy.error().message;
    EXPECT_EQ(policy->mode, Mode::Enforce);
    ASSERT_EQ(policy->classes.size(), 3u);
    EXPECT_EQ(policy->classes[0].name, "critical");
    EXPECT_EQ(policy->default_class, "standard");
    EXPECT_FALSE(policy->heartbeats.empty());
}

}  // namespace
}  // namespace cgw
