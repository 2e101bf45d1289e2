#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cgwarden/policy/parse.h"
#include "commands.h"

namespace cgw::cli {

namespace {

constexpr const char *kSchemaHelp =
    "Check a policy file and print every error (file:line:column: key: what was expected), or\n"
    "'FILE: OK (N classes, M heartbeat flows)'. Exit status 1 when the file is not valid.\n\n"
    "Schema (deploy/cgwarden.yaml is a commented example):\n"
    "  interval: 1s              control loop period (>= 100ms)\n"
    "  mode: enforce             enforce | dry-run (decide, write nothing) | monitor\n"
    "  state_dir: /var/lib/cgwarden    journal of every knob write (for restore)\n"
    "  listen: 127.0.0.1:9477    metrics address host:port\n"
    "  series: {protected: 500, contended: 50}    cgroups with metric series of their own\n"
    "  flap: {limit: 3, window: 5m}    reversals of a knob before it is held\n"
    "  heartbeats: [{name, proto: udp|tcp, port, interval?, cgroup?}]\n"
    "  disks:                    io.cost set in enforce mode, the disk's own restored on exit\n"
    "    - device: vdb            or /dev/vdb, or MAJ:MIN; a whole disk\n"
    "      io_cost: {model: 'rbps=N rseqiops=N rrandiops=N wbps=N wseqiops=N wrandiops=N',\n"
    "                qos: 'rpct=95 rlat=10000 wpct=95 wlat=10000 max=100'}\n"
    "  default_class: standard   class of cgroups no rule matches\n"
    "  classes:\n"
    "    - name: critical\n"
    "      priority: 100          higher wins when several classes match\n"
    "      match: {paths: [/system.slice/**], units: [kubelet.service],\n"
    "              k8s_qos: [guaranteed|burstable|besteffort], pod_uids: [UUID]}\n"
    "      slo: {cpu_delay_p99: 5ms, io_latency_p99: 20ms, heartbeat_drops: 0,\n"
    "            heartbeat_gap: 2s}\n"
    "      knobs:                 cpu_weight | cpu_idle | cpu_max | io_weight | io_max |\n"
    "                             memory_high | net_egress_rate\n"
    "        cpu_weight: {floor: 1, ceiling: 100, step: 25, hold_down: 30s, cooldown: 5s}\n"
    "        cpu_idle: {hold_down: 30s, cooldown: 5s}    on/off: SCHED_IDLE for the group\n"
    "        cpu_max: {floor: 500m, ceiling: max, step: 250m, hold_down: 30s, cooldown: 10s}\n"
    "      A CPU breach moves cpu_weight first, then cpu_idle, and cpu_max last.\n\n"
    "Units: durations 500us 5ms 1.5s 2m; sizes 4096 64K 512Mi 1G; rates 10MiB/s 100M/s;\n"
    "CPUs 0.5 2 500m; weights 1..10000; 'max' lifts a limit (ceiling of cpu_max, io_max,\n"
    "memory_high, net_egress_rate). Globs: '*' within a path component, '**' across them.";

void run_check_config(const std::string &file) {
    auto policy = load_policy(file);
    if (!policy) {
        // One problem a line, as compilers print them, so editors can jump to each.
        const std::string &errors = policy.error().message;
        std::cerr << errors << "\n";
        auto count = std::count(errors.begin(), errors.end(), '\n') + 1;
        throw Failure{fmt::format("{}: {} error{}", file, count, count == 1 ? "" : "s"), 1};
    }
    std::cout << fmt::format("{}: OK ({} classes, {} heartbeat flows)\n", file,
                             policy->classes.size(), policy->heartbeats.size());
}

}  // namespace

void add_check_config_command(CLI::App &app) {
    auto file = std::make_shared<std::string>();
    auto *cmd = app.add_subcommand("check-config", kSchemaHelp);
    cmd->add_option("FILE", *file, "Policy file (YAML)")->required();
    cmd->callback([file] { run_check_config(*file); });
}

}  // namespace cgw::cli
