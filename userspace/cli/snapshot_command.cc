#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <optional>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/sensor/cpu_sensor.h"
#include "cgwarden/sensor/sample.h"
#include "cgwarden/model/pass_model.h"
#include "cgwarden/signals/signals.h"
#include "cgwarden/snapshot/report.h"
#include "commands.h"
#include "net_snapshot.h"
#include "io_snapshot.h"

namespace cgw::cli {

namespace {

struct SnapshotArgs {
    double duration_s = 5;
    bool json = false;
    std::vector<std::string> cgroups;
    std::string attach = "auto";
    std::vector<std::string> heartbeats;
    double io_outlier_ms = 50;
};

// Sleeps for the window; Ctrl-C or SIGTERM ends it early and still reports.
void wait_window(double seconds) {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    double whole = std::floor(seconds);
    timespec ts{static_cast<time_t>(whole), static_cast<long>((seconds - whole) * 1e9)};
    while (sigtimedwait(&stop, nullptr, &ts) < 0 && errno == EINTR) {
    }
    sigprocmask(SIG_UNBLOCK, &stop, nullptr);
}

void run_snapshot(const SnapshotArgs &args) {
    std::vector<HeartbeatFlow> flows = parse_heartbeat_flags(args.heartbeats);
    if (::geteuid() != 0)
        throw Failure{
            "snapshot loads BPF programs and needs root (CAP_BPF, CAP_PERFMON and "
            "CAP_SYS_ADMIN); run it with sudo"};
    CgroupLayout layout = or_fail(detect_cgroup_layout(), "cgroups");
    auto cpu_mount = layout.mount_for("cpu");
    if (!cpu_mount)
        throw Failure{"no mounted cgroup hierarchy holds the cpu controller"};
    CpuCgroupTree tree(*cpu_mount);
    for (const std::string &path : args.cgroups) {
        if (path.empty() || path[0] != '/')
            throw Failure{fmt::format("--cgroup {}: paths are relative to the hierarchy root and "
                                      "start with '/', e.g. /system.slice/nginx.service",
                                      path),
                          2};
        if (!tree.id_of(path))
            throw Failure{fmt::format("--cgroup {}: no such cgroup in {} (the hierarchy that "
                                      "holds the cpu controller)",
                                      path, cpu_mount->string()),
                          2};
    }

    KernelFeatures features = probe_kernel_features();
    std::optional<AttachMode> force = forced_attach(args.attach);
    auto sensor = or_fail(CpuSensor::open(features, tree, force), "starting the CPU sensor");
    auto net = NetSnapshot::start(features, layout, std::move(flows), force);
    IoSnapshot io(features, layout,
                  {.outlier_threshold_ns = static_cast<uint64_t>(args.io_outlier_ms * 1e6)}, force);

    Sample before = or_fail(take_sample(*sensor, layout, tree), "first sample");
    if (net)
        net->begin();
    io.begin();
    wait_window(args.duration_s);
    io.end();
    Sample after = or_fail(take_sample(*sensor, layout, tree), "last sample");

    // One model of the window, as the daemon builds each pass: every figure
    // keyed by path, ids named once.
    Signals signals;
    signals.cpu = compute_cpu_signals(before, after);
    signals.io = io.signals();
    if (net)
        signals.net = net->end();
    const PassModel model(signals, {.cpu = &tree.paths_by_id(),
                                    .io = io.tree() ? &io.tree()->paths_by_id() : nullptr,
                                    .net = net ? &net->tree().paths_by_id() : nullptr});
    SnapshotReport report =
        build_snapshot_report(model, layout.mode, sensor->attach_mode(), tree, args.cgroups);
    if (net)
        net->add_to(report, model, tree, args.cgroups);
    io.add_to(report, model, tree, args.cgroups);
    if (args.json)
        std::cout << to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
    else
        std::cout << to_table(report);
}

}  // namespace

void add_snapshot_command(CLI::App &app) {
    auto args = std::make_shared<SnapshotArgs>();
    auto *cmd = app.add_subcommand(
        "snapshot",
        "Load the BPF programs, measure for a while, print per-cgroup CPU contention, exit.\n"
        "Run-queue delay is the time a task waited for a CPU after waking up or being "
        "preempted; throttled time is waiting while its CFS bandwidth quota (cpu.max / "
        "cpu.cfs_quota_us) was exhausted. 'preempted_by' names the cgroups whose tasks held the "
        "CPU when the waiting task finally got it, with the delay they caused. cpu_stat_* and "
        "usage come from the kernel's own cpu.stat for comparison.\n"
        "Block IO per cgroup and disk: device latency (issue to completion), queue latency "
        "(insert to issue), and 'queued_behind': the other cgroups with requests in flight on "
        "the disk when its requests completed, with the share of their latency.");
    cmd->add_option("-d,--duration", args->duration_s, "Seconds to measure (Ctrl-C ends early)")
        ->check(CLI::Range(0.1, 86400.0))
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "Print JSON (stable field names) instead of a table");
    cmd->add_option("-c,--cgroup", args->cgroups,
                    "Only this cgroup, by path relative to the hierarchy root (e.g. /app/web); "
                    "repeatable. Listed cgroups appear even when idle.");
    cmd->add_option("--attach", args->attach,
                    "BPF flavour: auto (probe; tp_btf, else raw_tp), tp_btf, raw_tp")
        ->check(CLI::IsMember({"auto", "tp_btf", "raw_tp"}))
        ->capture_default_str();
    cmd->add_option("--heartbeat", args->heartbeats,
                    "Watch a heartbeat flow: NAME=PROTO:PORT[:INTERVAL], PROTO udp or tcp, PORT "
                    "local or remote, e.g. kubelet=tcp:6443:10s; repeatable. Reports packets "
                    "sent, received, dropped (by kernel drop reason), retransmits and the longest "
                    "gap between sends.")
        ->allow_extra_args(false);
    cmd->add_option("--io-outlier-ms", args->io_outlier_ms,
                    "Block IO requests slower than this (queue + device) are reported one by one")
        ->check(CLI::Range(0.0, 3600e3))
        ->capture_default_str();
    cmd->set_version_flag("--version", std::string("cgwarden ") + CGW_VERSION);
    cmd->callback([args] { run_snapshot(*args); });
}

}  // namespace cgw::cli
