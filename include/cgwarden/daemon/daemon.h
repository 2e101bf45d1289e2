// `cgwarden run`: the control loop. Every interval, and at once when a BPF
// ring buffer reports a notable event: Sample -> Signals -> Decisions ->
// actuation, each decision logged with its reason. On SIGTERM/SIGINT every
// changed knob goes back to its original.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/bpf/ring_buffer.h"
#include "cgwarden/cgroup/io_weight_effect.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/common/open_files.h"
#include "cgwarden/common/result.h"
#include "cgwarden/control/controller.h"
#include "cgwarden/control/input.h"
#include "cgwarden/daemon/actuator.h"
#include "cgwarden/daemon/metrics_sink.h"
#include "cgwarden/daemon/optional_reads.h"
#include "cgwarden/decisions/history.h"
#include "cgwarden/policy/policy.h"
#include "cgwarden/daemon/sensors.h"
#include "cgwarden/sensor/sample.h"
#include "cgwarden/signals/signals.h"

namespace cgw {

class EventLoop;

// Passes brought forward by ring-buffer events are at least this far apart.
inline constexpr std::chrono::milliseconds kMinEarlyPassSpacing{100};
// After a pass that moved a knob, one more pass this soon: its window holds
// the move's transient (a task still on its slice, a queue still draining),
// so the window after it, the one the controller judges the move by, starts
// this soon instead of a whole interval later.
inline constexpr std::chrono::milliseconds kFollowUp{100};
// After a pass that asked to measure soon (a rate knob's first step waits
// for a window that starts after its antagonist was seen), one more pass
// this soon: long enough for a starved victim's few requests to judge it
// (a reader behind a hog's queue completes one every ~35 ms).
inline constexpr std::chrono::milliseconds kMeasureFor{300};

class Daemon {
  public:
    Daemon(Policy policy, CgroupLayout layout, Classifier classify, Sensors sensors,
           std::unique_ptr<Actuator> actuator, unsigned cpus);
    // The sensors' event handlers hold `this`.
    Daemon(const Daemon &) = delete;
    Daemon &operator=(const Daemon &) = delete;

    // Runs until a stop signal; then restores every knob it changed.
    Status run();

    // One pass of the loop; public so tests drive it without timers.
    Status tick();

    // Every decision made, for the exporter's /decisions endpoint.
    std::shared_ptr<const DecisionHistory> history() const { return history_; }

    // Receives every pass's sample, signals and decisions (the exporter).
    void set_metrics_sink(std::shared_ptr<MetricsSink> sink) { metrics_ = std::move(sink); }

  private:
    Result<Sample> sample();
    void drain_events();
    void follow_cgroups();
    std::optional<size_t> class_of(const std::string &path);
    bool watches_memory(const std::string &path);
    const std::set<CpuCgroupId> &memory_watched();
    void watch_events(EventLoop &loop);
    void on_net_event(const NetEvent &e);
    void on_io_outlier(const IoOutlier &o);
    bool early_pass_due(std::chrono::steady_clock::time_point now);
    std::vector<DecisionRecord> act_on(const ControllerOutput &out);
    std::set<KnobTarget> held_knobs() const;
    CgroupPaths paths() const;
    void publish(std::chrono::steady_clock::time_point started, const PassModel &model,
                 const ControllerInput &input, const ControllerOutput &out,
                 const std::vector<DecisionRecord> &made);
    void log_breach_changes(const std::vector<Breach> &breaches);

    Policy policy_;
    CgroupLayout layout_;
    CpuCgroupTree cpu_tree_;
    // The policy's rules (globs, identities), and classify_, which asks them
    // once per path: a pass asks for every cgroup's class.
    Classifier classify_rules_;
    std::unordered_map<std::string, std::optional<size_t>> class_memo_;
    // The cgroup files a pass reads, kept open: two per active cgroup on v1
    // (cpu.stat, cpuacct.usage), up to 8192 where RLIMIT_NOFILE allows.
    OpenFiles open_files_{open_files_budget(512, 8192)};
    std::set<CpuCgroupId> memory_watched_;  // as of this generation of the cpu tree
    uint64_t memory_watched_generation_ = UINT64_MAX;
    Classifier classify_;
    Sensors sensors_;
    std::optional<IoCgroupTree> io_tree_;    // where the IO sensor runs
    std::optional<NetCgroupTree> net_tree_;  // cgroup2, where the network sensor runs
    DropReasonNames drop_names_;
    // The watch's lost-event count at the last pass: a rise makes the trees walk.
    uint64_t cgroup_events_lost_ = 0;
    // Asked only where some class bounds io_weight.
    std::optional<IoWeightEffect> io_weight_effect_;
    std::unique_ptr<RingBuffer> io_outlier_stream_;
    // A ring-buffer event since the last pass, or a move in it, calls for
    // an early one.
    bool urgent_ = false;
    // The last pass moved a knob (a pass kFollowUp after it) or asked to
    // measure soon (kMeasureFor).
    std::optional<std::chrono::milliseconds> follow_up_;
    // Requests slower than the strictest IO SLO since the last pass, by cgroup.
    std::map<std::string, uint64_t> slow_requests_;
    std::chrono::steady_clock::time_point last_pass_{};
    std::unique_ptr<Actuator> actuator_;
    unsigned cpus_;
    std::optional<Sample> previous_;
    ControllerState state_;
    std::set<std::string> breached_;
    std::shared_ptr<DecisionHistory> history_;
    std::shared_ptr<MetricsSink> metrics_;
    // The sensors' notable events received, by sensor, for the exporter.
    std::map<std::string, uint64_t> events_received_;
    OptionalReads optional_reads_;  // of the IO and network sensors
};

}  // namespace cgw
