#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "cgwarden/actuator/journal.h"
#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/daemon/daemon.h"
#include "cgwarden/daemon/event_loop.h"
#include "cgwarden/exporter/exporter.h"
#include "cgwarden/actuator/cgroup_actuator.h"
#include "cgwarden/policy/classify.h"
#include "cgwarden/policy/parse.h"
#include "cgwarden/daemon/sensors.h"
#include "commands.h"

namespace cgw::cli {

namespace {

struct RunArgs {
    std::string config = "/etc/cgwarden/cgwarden.yaml";
    std::string state_dir;
    std::string mode;
    std::string attach = "auto";
    std::string listen;
    bool bpf_stats = false;
};

// io.cost on the policy's disks. Node-wide settings change only in enforce
// mode, like knobs. A disk that cannot have it is said once and left as it
// is: its IO is then protected by the classes' knobs alone.
void set_up_disks(const Policy &policy, const CgroupLayout &layout, CgroupActuator &actuator) {
    for (const DiskPolicy &disk : policy.disks) {
        if (policy.mode != Mode::Enforce) {
            spdlog::info("disks: io.cost on {} is left as it is in {} mode (set in enforce mode)",
                         disk.device, to_string(policy.mode));
            continue;
        }
        auto device = layout.unified
                          ? actuator.set_io_cost(disk, *layout.unified)
                          : Result<std::string>(Error{"io.cost needs cgroup v2, not mounted here"});
        if (!device) {
            spdlog::warn("disks: io.cost on {} not set (its IO has the knobs alone): {}",
                         disk.device, device.error().message);
            continue;
        }
        spdlog::info(
            "disks: io.cost on {} ({}): model {}, qos {}; the disk's own settings are journaled "
            "and go back on exit",
            disk.device, *device, disk.io_cost.model, disk.io_cost.qos);
    }
}

void run_daemon(const RunArgs &args) {
    // One malloc arena for every thread: glibc gives each thread that
    // allocates its own, and each HTTP worker that serialized a scrape (2 MiB
    // of text at 10,000 cgroups) kept megabytes in its arena. The daemon's
    // threads seldom allocate at once.
    ::mallopt(M_ARENA_MAX, 1);
    if (Status s = block_stop_signals(); !s)
        throw Failure{s.error().message};
    Policy policy = or_fail(load_policy(args.config), "loading the policy");
    if (!args.state_dir.empty())
        policy.state_dir = args.state_dir;
    if (!args.mode.empty())
        policy.mode = mode_from_string(args.mode).value();  // CLI11 checked the name
    if (!args.listen.empty())
        policy.listen = args.listen;
    if (::geteuid() != 0)
        throw Failure{"run loads BPF programs and writes cgroup files: run it as root"};

    CgroupLayout layout = or_fail(detect_cgroup_layout(), "cgroups");
    Journal journal = or_fail(Journal::open(policy.state_dir), "opening the journal");
    size_t left_changed = journal.entries().size();
    std::string journal_path = journal.path().string();
    auto actuator = std::make_unique<CgroupActuator>(layout, std::move(journal));
    // Knobs left changed by a run that crashed go back first: every run
    // starts from the node's own values. One that cannot go back (its disk
    // detached, its controller removed) must not turn into a crash loop:
    // it stays journaled, this run leaves it alone, and the rest runs.
    if (left_changed > 0) {
        spdlog::warn(
            "{} holds {} knob(s) changed by an earlier run that did not stop cleanly: "
            "restoring them",
            journal_path, left_changed);
        if (Status s = actuator->restore_left_over(); !s)
            spdlog::error(
                "{}. Those stay journaled and this run does not touch them: `cgwarden restore "
                "--list --state-dir {}` shows them, `cgwarden restore` tries again, "
                "`--forget FILE` drops one that can never apply",
                s.error().message, policy.state_dir);
    }

    KernelFeatures features = probe_kernel_features();
    std::optional<AttachMode> force = forced_attach(args.attach);
    Sensors sensors =
        or_fail(open_sensors(features, layout, policy, force), "starting the sensors");

    if (sensors.net && layout.unified)
        actuator->set_egress_limiter(
            std::make_unique<EgressLimiter>(*sensors.net, *layout.unified));

    set_up_disks(policy, layout, *actuator);

    Classifier classify = [&policy](const std::string &path) {
        return cgw::classify(policy, path);
    };
    Daemon daemon(policy, layout, classify, std::move(sensors), std::move(actuator),
                  std::max(1u, std::thread::hardware_concurrency()));
    ExporterOptions exporter_options;
    exporter_options.listen = policy.listen;
    exporter_options.version = CGW_VERSION;
    exporter_options.enable_bpf_stats = args.bpf_stats;
    exporter_options.decisions = daemon.history();
    // Healthy while passes keep coming: a few missed intervals is a stall.
    exporter_options.stale_after = std::max<std::chrono::milliseconds>(
        std::chrono::seconds(5),
        std::chrono::duration_cast<std::chrono::milliseconds>(policy.interval * 5));
    // A scrape waits for the next pass: one interval and a margin, at most 8 s.
    exporter_options.scrape_wait = std::clamp<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(policy.interval) +
            std::chrono::seconds(1),
        std::chrono::seconds(2), std::chrono::seconds(8));
    auto exporter = or_fail(Exporter::start(exporter_options), "starting the metrics endpoint");
    daemon.set_metrics_sink(exporter->sink());
    if (Status s = daemon.run(); !s)
        throw Failure{s.error().message};
}

}  // namespace

void add_run_command(CLI::App &app) {
    auto args = std::make_shared<RunArgs>();
    auto *cmd = app.add_subcommand(
        "run",
        "Run the daemon: measure every interval, find cgroups breaching their class's SLOs, "
        "step the knobs of the lower-class cgroups that cause it down within the policy's "
        "bounds (the cheapest first: cpu_weight, then cpu_idle, a cap like cpu_max last), "
        "undo a knob that does not help the victim (the log says why), and give back halfway "
        "toward where the victim breached once it is healthy, or all at once when the "
        "neighbour stops. Every original value is journaled in "
        "the state directory before the first write and restored on SIGTERM/SIGINT, by "
        "`cgwarden restore`, and at the next start after a crash. Validate a policy with "
        "`cgwarden check-config FILE` first.");
    cmd->add_option("-c,--config", args->config, "Policy file (YAML); see deploy/cgwarden.yaml")
        ->capture_default_str();
    cmd->add_option("--state-dir", args->state_dir,
                    "Where the journal of original knob values lives (overrides the file)");
    cmd->add_option("--mode", args->mode,
                    "enforce: decide and write; dry-run: decide and log, write nothing; "
                    "monitor: measure only (overrides the file)")
        ->check(CLI::IsMember({"enforce", "dry-run", "monitor"}));
    cmd->add_option("--listen", args->listen,
                    "Metrics address host:port (overrides the file; default 127.0.0.1:9477)");
    cmd->add_flag("--bpf-stats", args->bpf_stats,
                  "Turn on the kernel's BPF run-time accounting while running, for "
                  "cgwarden_bpf_program_run_seconds_total (costs a few ns per program run)");
    cmd->add_option("--attach", args->attach, "BPF flavour: auto, tp_btf, raw_tp")
        ->check(CLI::IsMember({"auto", "tp_btf", "raw_tp"}))
        ->capture_default_str();
    cmd->set_version_flag("--version", std::string("cgwarden ") + CGW_VERSION);
    cmd->callback([args] { run_daemon(*args); });
}

}  // namespace cgw::cli
