#include "cgwarden/daemon/daemon.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "cgwarden/cgroup/memory_use.h"
#include "cgwarden/daemon/event_loop.h"
#include "cgwarden/decisions/text.h"
#include "cgwarden/signals/cpu_signals.h"

namespace cgw {

namespace {

uint64_t unix_now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

}  // namespace

Daemon::Daemon(Policy policy, CgroupLayout layout, Classifier classify, Sensors sensors,
               std::unique_ptr<Actuator> actuator, unsigned cpus)
    : policy_(std::move(policy)),
      layout_(std::move(layout)),
      cpu_tree_(layout_.cpu_ids_mount()),
      classify_rules_(std::move(classify)),
      classify_([this](const std::string &path) { return class_of(path); }),
      sensors_(std::move(sensors)),
      actuator_(std::move(actuator)),
      cpus_(cpus),
      history_(std::make_shared<DecisionHistory>(policy_.mode)) {
    if (sensors_.io && sensors_.io_mount)
        io_tree_.emplace(*sensors_.io_mount);
    for (const ClassPolicy &cls : policy_.classes)
        if (cls.knobs.count(Knob::IoWeight) && !io_weight_effect_)
            io_weight_effect_.emplace(layout_);
    if (sensors_.net && layout_.unified) {
        net_tree_.emplace(*layout_.unified);
        // Unnamed reasons only cost the controller QDISC_DROP evidence.
        if (auto names = DropReasonNames::from_kernel())
            drop_names_ = std::move(names).value();
        else
            spdlog::warn("heartbeat drop reasons unnamed: {}", names.error().message);
    }
    if (sensors_.cgroups) {
        // Walked after the watch attached: every later change is in its ring.
        cpu_tree_.follow_events();
        if (io_tree_)
            io_tree_->follow_events();
        if (net_tree_)
            net_tree_->follow_events();
    }
    if (!memory_on_cgroup2(layout_))
        for (const ClassPolicy &cls : policy_.classes)
            if (cls.slo.memory_stall)
                spdlog::warn(
                    "class {}: memory_stall is not watched: the memory controller is "
                    "not on cgroup2 here, which has no memory.pressure nor memory.high",
                    cls.name);
    if (sensors_.io) {
        auto ring = sensors_.io->outliers([this](const IoOutlier &o) { on_io_outlier(o); });
        if (ring)
            io_outlier_stream_ = std::move(ring).value();
        else
            spdlog::warn("IO outlier events are not received: {}", ring.error().message);
    }
    if (sensors_.net)
        sensors_.net->on_event([this](const NetEvent &e) { on_net_event(e); });
}

// Every pass drains the rings, so they never fill (a full ring loses
// events) even when the loop's watch could not be set up.
void Daemon::drain_events() {
    if (io_outlier_stream_) {
        if (auto n = io_outlier_stream_->consume(); !n)
            spdlog::warn("reading IO outlier events: {}", n.error().message);
    }
    if (sensors_.net) {
        if (auto n = sensors_.net->consume_events(); !n)
            spdlog::warn("reading network events: {}", n.error().message);
    }
}

// A path's class never changes while the policy does not (it is matched by
// path alone), so it is remembered; the memo is forgotten when it outgrows
// the trees, so removed cgroups do not pile up in it.
std::optional<size_t> Daemon::class_of(const std::string &path) {
    if (class_memo_.size() > 4 * cpu_tree_.paths_by_id().size() + 1024)
        class_memo_.clear();
    auto [it, added] = class_memo_.try_emplace(path);
    if (added)
        it->second = classify_rules_(path);
    return it->second;
}

// The cgroups whose class keeps a memory_stall SLO, worked out again only
// when the cpu tree changed (asking every path's class every pass costs a
// node of thousands of cgroups more than the rest of the pass).
const std::set<CpuCgroupId> &Daemon::memory_watched() {
    if (memory_watched_generation_ != cpu_tree_.generation()) {
        memory_watched_.clear();
        for (const auto &[id, path] : cpu_tree_.paths_by_id())
            if (watches_memory(path))
                memory_watched_.insert(id);
        memory_watched_generation_ = cpu_tree_.generation();
    }
    return memory_watched_;
}

// Whether the cgroup's class keeps a memory_stall SLO: the one SLO judged
// from a cgroup file (memory.pressure) rather than BPF, and that can breach
// while the cgroup never waits for a CPU.
bool Daemon::watches_memory(const std::string &path) {
    auto cls = class_of(path);
    return cls && *cls < policy_.classes.size() &&
           policy_.classes[*cls].slo.memory_stall.has_value();
}

// Applies the cgroups made and removed since the last pass to every tree;
// a tree that missed some walks at its refresh().
void Daemon::follow_cgroups() {
    if (!sensors_.cgroups)
        return;
    // Each tree takes the events of its own hierarchy (CgroupTree::apply).
    auto each_tree = [&](const auto &act) {
        act(cpu_tree_);
        if (io_tree_)
            act(*io_tree_);
        if (net_tree_)
            act(*net_tree_);
    };
    auto applied = sensors_.cgroups->drain(
        [&](const CgroupEvent &event) { each_tree([&](auto &tree) { tree.apply(event); }); });
    auto lost = sensors_.cgroups->lost();
    if (!applied || !lost || *lost != cgroup_events_lost_) {
        if (!applied || !lost)
            spdlog::warn("reading cgroup events: {}",
                         (!applied ? applied.error() : lost.error()).message);
        each_tree([](auto &tree) { tree.events_lost(); });
        if (lost)
            cgroup_events_lost_ = *lost;
    }
}

Result<Sample> Daemon::sample() {
    drain_events();
    follow_cgroups();
    // Brought up to date first, for the cgroups it must read.
    cpu_tree_.refresh();
    SampleScope scope{.always = memory_watched(), .cpu_pressure = false, .files = &open_files_};
    if (previous_)
        scope.previous = &*previous_;
    for (const KnobTarget &held : held_knobs())
        if (auto id = cpu_tree_.id_of(held.cgroup))
            scope.always.insert(*id);
    auto sample = take_sample(*sensors_.cpu, layout_, cpu_tree_, scope);
    if (!sample)
        return sample.error();
    // IO and network are optional: a failed read costs their signals this
    // pass (and the next, which has no previous sample to compare with),
    // while CPU protection goes on.
    if (io_tree_) {
        sample->io = optional_reads_.take("io", sensors_.io->read());
        io_tree_->refresh();
    }
    if (net_tree_) {
        sample->net = optional_reads_.take("net", sensors_.net->read());
        net_tree_->refresh();
        if (Status s = sensors_.net->follow_senders(*net_tree_); !s)
            spdlog::warn("{}", s.error().message);
    }
    return sample;
}

Status Daemon::tick() {
    auto started = std::chrono::steady_clock::now();
    auto sample = this->sample();
    if (!sample)
        return sample.error();
    if (!previous_) {
        previous_ = std::move(sample).value();
        static const Signals kNoWindow;
        publish(started, PassModel(kNoWindow, paths()), {}, {}, {});
        return {};
    }
    Signals signals = compute_signals(*previous_, *sample, policy_.heartbeats);
    previous_ = std::move(sample).value();
    const PassModel model(signals, paths());

    InputSources sources{policy_,
                         classify_,
                         [this](const std::string &path, const ClassPolicy &cls,
                                const std::vector<std::string> &devices) {
                             return actuator_->read(path, cls, devices);
                         },
                         cpus_,
                         &drop_names_,
                         held_knobs()};
    if (io_weight_effect_)
        sources.io_weight_acts = [this, started](const std::string &device) {
            return io_weight_effect_->acts_on(device, started);
        };
    ControllerInput input =
        build_controller_input(model, std::chrono::nanoseconds(previous_->monotonic_ns), sources);
    input.changed_externally = actuator_->take_changed_externally();
    ControllerOutput out = decide(input, policy_, state_);
    state_ = out.state;
    log_breach_changes(out.breaches);
    for (const std::string &notice : out.notices)
        spdlog::warn("{}", notice);
    for (const std::string &effect : out.effects)
        spdlog::info("{}", effect);
    follow_up_ = !out.decisions.empty()
                     ? std::optional(kFollowUp)
                     : (out.measure_soon ? std::optional(kMeasureFor) : std::nullopt);
    publish(started, model, input, out, act_on(out));
    // bench/scale.sh reads the pass durations from this line.
    spdlog::debug(
        "pass over {:.0f} ms took {:.2f} ms: {} breach(es), {} decision(s){}",
        signals.cpu.window_s * 1e3,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count(),
        out.breaches.size(), out.decisions.size(),
        out.measure_soon ? ", measuring again soon" : "");
    return {};
}

// The knobs the controller holds: their cgroups stay in its input.
std::set<KnobTarget> Daemon::held_knobs() const {
    std::set<KnobTarget> held;
    for (const auto &[target, knob] : state_.knobs)
        held.insert(target);
    return held;
}

std::vector<DecisionRecord> Daemon::act_on(const ControllerOutput &out) {
    std::vector<DecisionRecord> made;
    for (const Decision &d : out.decisions) {
        DecisionRecord record{unix_now_ns(), d, false, {}};
        if (policy_.mode == Mode::Enforce) {
            Status s = actuator_->apply(d);
            record.applied = s.ok();
            if (!s)
                record.error = s.error().message;
        }
        std::string why = d.evidence
                              ? fmt::format(" victim={} {} share={:.0f}%", d.evidence->victim,
                                            slo_text(d.evidence->slo, d.evidence->observed,
                                                     d.evidence->target, "", d.evidence->flow),
                                            d.evidence->antagonist_share * 100)
                              : std::string{};
        auto level = record.error.empty() ? spdlog::level::info : spdlog::level::warn;
        spdlog::log(level, "decision{} cgroup={} knob={}{} {} -> {} rule={}{}{}",
                    policy_.mode == Mode::DryRun ? " (dry-run)" : "", d.cgroup, to_string(d.knob),
                    d.device.empty() ? "" : " device=" + d.device, value_text(d.old_value),
                    value_text(d.new_value), d.rule, why,
                    record.error.empty() ? "" : " error=" + record.error);
        made.push_back(record);
        history_->add(std::move(record));
    }
    return made;
}

// Each tree's paths as of the last sample.
CgroupPaths Daemon::paths() const {
    // Each tree's generation only grows: the sum changes when any does.
    return {&cpu_tree_.paths_by_id(), io_tree_ ? &io_tree_->paths_by_id() : nullptr,
            net_tree_ ? &net_tree_->paths_by_id() : nullptr,
            cpu_tree_.generation() + (io_tree_ ? io_tree_->generation() : 0) +
                (net_tree_ ? net_tree_->generation() : 0)};
}

void Daemon::publish(std::chrono::steady_clock::time_point started, const PassModel &model,
                     const ControllerInput &input, const ControllerOutput &out,
                     const std::vector<DecisionRecord> &made) {
    if (!metrics_)
        return;
    auto took = std::chrono::steady_clock::now() - started;
    std::vector<ProgramStats> programs = sensors_.cpu->program_stats();
    for (auto more : {sensors_.io ? sensors_.io->program_stats() : std::vector<ProgramStats>{},
                      sensors_.net ? sensors_.net->program_stats() : std::vector<ProgramStats>{}})
        programs.insert(programs.end(), more.begin(), more.end());
    TickReport report{*previous_,
                      model,
                      policy_,
                      classify_,
                      input,
                      out,
                      made,
                      programs,
                      layout_.mode,
                      sensors_.cpu->attach_mode(),
                      std::chrono::duration_cast<Duration>(took)};
    report.ringbuf_events = events_received_;
    report.sensor_read_errors = optional_reads_.errors();
    metrics_->publish(report);
}

void Daemon::log_breach_changes(const std::vector<Breach> &breaches) {
    std::set<std::string> now;
    for (const Breach &b : breaches) {
        now.insert(b.cgroup);
        if (!breached_.count(b.cgroup))
            spdlog::warn("breach cgroup={} {}{}", b.cgroup,
                         slo_text(b.slo, b.observed, b.target, b.device, b.flow),
                         b.own_cause.empty() ? "" : " own trouble: " + b.own_cause);
    }
    for (const std::string &cgroup : breached_) {
        if (now.count(cgroup))
            continue;
        // An interval too short or too quiet to judge it keeps the
        // controller's last verdict: healthy only once judged so.
        auto victim = state_.victims.find(cgroup);
        if (victim != state_.victims.end() && victim->second.breach_since)
            now.insert(cgroup);
        else
            spdlog::info("healthy cgroup={}", cgroup);
    }
    breached_ = std::move(now);
}

void Daemon::watch_events(EventLoop &loop) {
    if (sensors_.net) {
        Status s = loop.watch(sensors_.net->event_fd(), [this] {
            if (auto n = sensors_.net->consume_events(); !n)
                spdlog::warn("heartbeat events: {}", n.error().message);
        });
        if (!s)
            spdlog::warn("heartbeat events only at the next interval: {}", s.error().message);
    }
    if (io_outlier_stream_) {
        Status s = loop.watch(io_outlier_stream_->fd(), [this] {
            if (auto n = io_outlier_stream_->consume(); !n)
                spdlog::warn("IO outliers: {}", n.error().message);
        });
        if (!s)
            spdlog::warn("IO outliers only at the next interval: {}", s.error().message);
    }
}

void Daemon::on_net_event(const NetEvent &e) {
    ++events_received_["net"];
    const auto &flows = sensors_.net->flows();
    std::string flow = e.flow_index < flows.size() ? flows[e.flow_index].name : "?";
    if (e.kind == NetEvent::Kind::Gap)
        spdlog::warn("heartbeat flow={} silent for {:.3f}s", flow,
                     static_cast<double>(e.gap_ns) / 1e9);
    else
        spdlog::warn("heartbeat flow={} packet dropped reason={}", flow,
                     drop_names_.name(e.reason));
    urgent_ = true;
}

void Daemon::on_io_outlier(const IoOutlier &o) {
    ++events_received_["io"];
    auto path = io_tree_ ? io_tree_->path_of(o.cgroup) : std::nullopt;
    auto cls = path ? class_of(*path) : std::nullopt;
    if (!cls || !policy_.classes.at(*cls).slo.io_latency_p99)
        return;
    // Slower than the strictest IO SLO (the sensor's threshold). As many
    // as can judge a breach by their median since the last pass bring the
    // next one forward: a victim behind a hog's queue, every request slow,
    // is judged within a fraction of the interval; a healthy victim's 1%
    // tail does not call for passes.
    if (++slow_requests_[*path] != kMinWaitsForMedian)
        return;
    spdlog::info("slow IO cgroup={} device={} {:.1f}ms, {} since the last pass", *path,
                 o.device.to_string(), static_cast<double>(o.queue_ns + o.device_ns) / 1e6,
                 kMinWaitsForMedian);
    urgent_ = true;
}

bool Daemon::early_pass_due(std::chrono::steady_clock::time_point now) {
    bool due = urgent_ && now - last_pass_ >= kMinEarlyPassSpacing;
    if (due)
        urgent_ = false;
    return due;
}

Status Daemon::run() {
    auto loop = EventLoop::create(policy_.interval);
    if (!loop)
        return loop.error().context("starting the control loop");
    watch_events(*loop);
    spdlog::info("cgwarden running: mode={} interval={}ms classes={}", to_string(policy_.mode),
                 std::chrono::duration_cast<std::chrono::milliseconds>(policy_.interval).count(),
                 policy_.classes.size());
    Status result;
    for (;;) {
        auto wake = loop->wait();
        if (!wake) {
            result = wake.error();
            break;
        }
        if (*wake == EventLoop::Wake::Stop) {
            spdlog::info("signal {} received: restoring every changed knob", loop->stop_signal());
            break;
        }
        // A heartbeat drop or gap is acted on at once rather than at the
        // next tick, but passes stay a little apart: each needs a window long
        // enough for percentiles.
        auto now = std::chrono::steady_clock::now();
        if (*wake == EventLoop::Wake::Event && !early_pass_due(now))
            continue;
        last_pass_ = now;
        slow_requests_.clear();
        // A failed pass (a cgroup vanished mid-read, a map read failed) is
        // logged and the next one tries again: the daemon keeps running.
        if (Status s = tick(); !s)
            spdlog::error("control loop pass failed: {}", s.error().message);
        if (follow_up_) {
            urgent_ = true;
            if (Status s = loop->wake_in(*follow_up_); !s)
                spdlog::warn("a move is judged a pass later: {}", s.error().message);
        }
    }
    if (Status s = actuator_->restore_all(); !s) {
        spdlog::error("restoring knobs: {}", s.error().message);
        if (result)
            result = s;
    }
    return result;
}

}  // namespace cgw
