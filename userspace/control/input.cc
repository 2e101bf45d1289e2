#include "cgwarden/control/input.h"

#include <algorithm>
#include <set>

namespace cgw {

namespace {

// Cgroups that did nothing in the window stay out (they breach nothing, and
// each costs a read of its knobs), but for those a victim waited behind.
void add_cpu(const CpuSignals &cpu_signals, InputSources &sources, ControllerInput &in) {
    std::set<CpuCgroupId> named;
    for (const auto &[id, cpu] : cpu_signals.by_cgroup)
        for (const Preemptor &p : cpu.preempted_by)
            named.insert(p.cgroup_id);
    for (const auto &[id, cpu] : cpu_signals.by_cgroup) {
        if (!cpu.active() && !named.count(id))
            continue;
        auto path = sources.cpu_tree.path_of(id);
        if (!path)
            continue;  // removed since the sample
        if (*path == "/") {
            // The root's usage is the whole node's.
            double capacity = cpu_signals.window_s * sources.cpus;
            in.cpu_busy_fraction = capacity > 0 ? cpu.usage_s / capacity : 0;
        }
        CgroupInput &cg = in.cgroups[*path];
        cg.cpu_delay_p50_s = cpu.runq_delay_p50_s;
        cg.cpu_delay_p99_s = cpu.runq_delay_p99_s;
        cg.cpu_waits = cpu.runq_events;
        cg.cpu_usage = cpu_signals.window_s > 0 ? cpu.usage_s / cpu_signals.window_s : 0;
        cg.cpu_throttled_s = cpu.throttled_s;
        cg.cpu_waiting =
            cpu_signals.window_s > 0 ? cpu.runq_delay_total_s / cpu_signals.window_s : 0;
        for (const Preemptor &p : cpu.preempted_by) {
            if (auto antagonist = sources.cpu_tree.path_of(p.cgroup_id))
                cg.cpu_antagonists.push_back({*antagonist, p.delay_s});
        }
    }
}

void add_io(const IoSignals &io_signals, double window_s, IoCgroupTree &io_tree,
            ControllerInput &in) {
    for (const auto &[id, io] : io_signals.by_cgroup) {
        auto path = io_tree.path_of(id);
        if (!path)
            continue;
        CgroupInput &cg = in.cgroups[*path];
        for (const auto &[device, signals] : io.devices) {
            DeviceIoInput &d = cg.io_devices[device.to_string()];
            d.latency_p50_s = signals.latency_p50_s;
            d.latency_p99_s = signals.latency_p99_s;
            d.ops = signals.ops;
            d.bytes_per_s = window_s > 0 ? static_cast<double>(signals.bytes) / window_s : 0;
            for (const QueuedBehind &q : signals.queued_behind) {
                if (auto antagonist = io_tree.path_of(q.cgroup_id))
                    d.queued_behind.push_back({*antagonist, q.delay_s});
            }
        }
    }
}

// The memory of the cgroups in the input; of every cgroup when some cgroup
// stalled on memory in the window: then the holders are the antagonists,
// idle or not.
void add_memory(const MemorySignals &memory, CpuCgroupTree &cpu_tree, ControllerInput &in) {
    bool stalled = std::ranges::any_of(
        memory, [](const auto &entry) { return entry.second.stall_fraction > 0; });
    for (const auto &[id, signals] : memory) {
        auto path = cpu_tree.path_of(id);
        if (!path || (!stalled && !in.cgroups.count(*path)))
            continue;
        CgroupInput &cg = in.cgroups[*path];
        cg.memory_bytes = static_cast<double>(signals.current_bytes);
        cg.memory_stall = signals.stall_fraction;
    }
}

uint64_t qdisc_drops(const DropsByReason &drops, const DropReasonNames &names) {
    uint64_t n = 0;
    for (const auto &[reason, count] : drops)
        if (names.name(reason) == "QDISC_DROP")
            n += count;
    return n;
}

void add_net(const NetSignals &net, NetCgroupTree &net_tree, const DropReasonNames &names,
             ControllerInput &in) {
    for (const auto &[id, signals] : net.by_cgroup) {
        auto path = net_tree.path_of(id);
        if (!path || signals.tx_bytes == 0 || net.window_s <= 0)
            continue;
        CgroupInput &cg = in.cgroups[*path];
        cg.tx_bytes_per_s = static_cast<double>(signals.tx_bytes) / net.window_s;
        // Drops are counted in packets: their bytes at the window's mean
        // packet size (a flood's packets are all alike). Counted with the
        // packets sent, in one read (net_abi.h: tx_queue_drops).
        double dropped = std::min(1.0, static_cast<double>(signals.tx_queue_drops) /
                                           static_cast<double>(signals.tx_packets));
        cg.tx_passed_bytes_per_s = cg.tx_bytes_per_s * (1 - dropped);
    }
    for (const HeartbeatSignals &hb : net.heartbeats) {
        // Without a declared sender no class, hence no SLO, applies.
        if (!hb.flow.cgroup)
            continue;
        HeartbeatInput h{
            hb.flow.name, *hb.flow.cgroup, hb.sent, hb.dropped, qdisc_drops(hb.drops, names),
            hb.max_gap_s};
        in.cgroups[h.sender];  // watched even when it sent nothing
        in.heartbeats.push_back(std::move(h));
    }
}

// The highest priority among the input's classes that keep the SLO `has`.
template <class HasSlo>
std::optional<int> top_priority_with(const ControllerInput &in, const Policy &policy,
                                     const HasSlo &has) {
    std::optional<int> top;
    for (const auto &[path, cg] : in.cgroups)
        if (const ClassPolicy *c = class_of(policy, cg); c && has(c->slo))
            top = std::max(top.value_or(c->priority), c->priority);
    return top;
}

// Whose knobs the controller may move this pass, so only theirs are read
// (a read each: with hundreds of active cgroups, a tenth of a pass): the
// held ones, and those that some cgroup's evidence names as its antagonist
// where that cgroup's class has an SLO and a higher priority (only a lower
// class is ever turned down for a victim; Decider::evidence_for): its CPU
// antagonists (also a heartbeat sender's), whom its IO queued behind, the
// memory holders while something stalls on memory, the senders while a
// heartbeat is watched.
std::set<std::string> may_move(const ControllerInput &in, const Policy &policy,
                               const std::set<KnobTarget> &held) {
    std::set<std::string> out;
    for (const KnobTarget &h : held)
        out.insert(h.cgroup);
    auto below = [&](const std::string &path, int priority) {
        auto cg = in.cgroups.find(path);
        if (cg == in.cgroups.end())
            return false;
        const ClassPolicy *c = class_of(policy, cg->second);
        return c && !c->knobs.empty() && c->priority < priority;
    };
    for (const auto &[path, victim] : in.cgroups) {
        const ClassPolicy *c = class_of(policy, victim);
        if (!c || !c->slo.any())
            continue;
        for (const Antagonist &a : victim.cpu_antagonists)
            if (below(a.path, c->priority))
                out.insert(a.path);
        for (const auto &[device, io] : victim.io_devices)
            for (const Antagonist &a : io.queued_behind)
                if (below(a.path, c->priority))
                    out.insert(a.path);
    }
    bool stalled = std::ranges::any_of(
        in.cgroups, [](const auto &entry) { return entry.second.memory_stall > 0; });
    auto memory_victims =
        stalled ? top_priority_with(in, policy, [](const Slo &s) { return s.memory_stall; })
                : std::nullopt;
    auto heartbeat_victims =
        in.heartbeats.empty() ? std::nullopt : top_priority_with(in, policy, [](const Slo &s) {
            return s.heartbeat_drops || s.heartbeat_gap;
        });
    for (const auto &[path, cg] : in.cgroups) {
        if ((memory_victims && cg.memory_bytes > 0 && below(path, *memory_victims)) ||
            (heartbeat_victims && cg.tx_bytes_per_s > 0 && below(path, *heartbeat_victims)))
            out.insert(path);
    }
    return out;
}

// The cgroup is in some hierarchy the signals come from.
bool exists(const std::string &path, const InputSources &sources) {
    return sources.cpu_tree.id_of(path) || (sources.io_tree && sources.io_tree->id_of(path)) ||
           (sources.net_tree && sources.net_tree->id_of(path));
}

}  // namespace

ControllerInput build_controller_input(const Signals &signals, Duration now,
                                       InputSources &sources) {
    ControllerInput in;
    in.now = now;
    in.window =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(signals.cpu.window_s));
    in.cpus = sources.cpus;
    add_cpu(signals.cpu, sources, in);
    add_memory(signals.memory, sources.cpu_tree, in);
    if (signals.io && sources.io_tree)
        add_io(*signals.io, signals.cpu.window_s, *sources.io_tree, in);
    if (signals.net && sources.net_tree)
        add_net(*signals.net, *sources.net_tree,
                sources.drop_names ? *sources.drop_names : DropReasonNames{}, in);
    for (const KnobTarget &held : sources.held)
        if (exists(held.cgroup, sources))
            in.cgroups[held.cgroup];
    if (sources.io_weight_acts)
        for (const auto &[path, cg] : in.cgroups)
            for (const auto &[device, io] : cg.io_devices)
                if (!in.io_weight_ignored_on.count(device) && !sources.io_weight_acts(device))
                    in.io_weight_ignored_on.insert(device);
    for (auto &[path, cg] : in.cgroups)
        cg.class_index = sources.classify(path);
    std::set<std::string> movable = may_move(in, sources.policy, sources.held);
    for (auto &[path, cg] : in.cgroups) {
        if (!cg.class_index || !movable.count(path))
            continue;
        std::set<std::string> devices;
        for (const auto &[device, io] : cg.io_devices)
            devices.insert(device);
        for (auto held = sources.held.lower_bound(KnobTarget{path, Knob{}, ""});
             held != sources.held.end() && held->cgroup == path; ++held)
            if (!held->device.empty())
                devices.insert(held->device);
        cg.knobs = sources.read_knobs(path, sources.policy.classes.at(*cg.class_index),
                                      {devices.begin(), devices.end()});
    }
    return in;
}

}  // namespace cgw
