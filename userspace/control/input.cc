#include "cgwarden/control/input.h"

#include <algorithm>
#include <set>

namespace cgw {

namespace {

void add_cpu(const std::string &path, const CgroupCpuSignals &cpu, const PassModel &model,
             unsigned cpus, ControllerInput &in, CgroupInput &cg) {
    const double window_s = model.signals().cpu.window_s;
    if (path == "/") {
        // The root's usage is the whole node's.
        double capacity = window_s * cpus;
        in.cpu_busy_fraction = capacity > 0 ? cpu.usage_s / capacity : 0;
    }
    cg.cpu_delay_p50_s = cpu.runq_delay_p50_s;
    cg.cpu_delay_p99_s = cpu.runq_delay_p99_s;
    cg.cpu_waits = cpu.runq_events;
    cg.cpu_usage = window_s > 0 ? cpu.usage_s / window_s : 0;
    cg.cpu_throttled_s = cpu.throttled_s;
    cg.cpu_waiting = window_s > 0 ? cpu.runq_delay_total_s / window_s : 0;
    double rest = 0;
    for (const Preemptor &p : cpu.preempted_by) {
        const std::string *antagonist = model.path_of(p.cgroup_id);
        if (!antagonist)
            continue;
        if (cg.cpu_antagonists.size() < kNamedAntagonists)
            cg.cpu_antagonists.push_back({*antagonist, p.delay_s});
        else
            rest += p.delay_s;
    }
    if (rest > 0)
        cg.cpu_antagonists.push_back({"", rest});
}

void add_io(const CgroupIoSignals &io, const PassModel &model, CgroupInput &cg) {
    const double window_s = model.signals().cpu.window_s;
    for (const auto &[device, signals] : io.devices) {
        DeviceIoInput &d = cg.io_devices[device.to_string()];
        d.latency_p50_s = signals.latency_p50_s;
        d.latency_p99_s = signals.latency_p99_s;
        d.ops = signals.ops;
        d.bytes_per_s = window_s > 0 ? static_cast<double>(signals.bytes) / window_s : 0;
        for (const QueuedBehind &q : signals.queued_behind)
            if (const std::string *antagonist = model.path_of(q.cgroup_id))
                d.queued_behind.push_back({*antagonist, q.delay_s});
    }
}

void add_memory(const CgroupMemorySignals &memory, CgroupInput &cg) {
    cg.memory_bytes = static_cast<double>(memory.current_bytes);
    cg.memory_stall = memory.stall_fraction;
}

void add_tx(const CgroupNetSignals &net, double window_s, CgroupInput &cg) {
    cg.tx_bytes_per_s = static_cast<double>(net.tx_bytes) / window_s;
    // Drops are counted in packets: their bytes at the window's mean packet
    // size (a flood's packets are all alike). Counted with the packets sent,
    // in one read (net_abi.h: tx_queue_drops).
    double dropped = std::min(
        1.0, static_cast<double>(net.tx_queue_drops) / static_cast<double>(net.tx_packets));
    cg.tx_passed_bytes_per_s = cg.tx_bytes_per_s * (1 - dropped);
}

// The cgroups of the model that the controller can judge or blame: those
// that used or waited for a CPU (or that a victim waited behind), did IO,
// sent packets or stalled on memory. When some cgroup stalled on memory,
// every holder enters, idle or not: then they are the antagonists.
void add_cgroups(const PassModel &model, unsigned cpus, ControllerInput &in) {
    const double net_window_s = model.signals().net ? model.signals().net->window_s : 0;
    for (const auto &[path, m] : model.cgroups()) {
        bool sends = m.net && m.net->tx_bytes > 0 && net_window_s > 0;
        bool stalls = m.memory && m.memory->stall_fraction > 0;
        if (!m.cpu && !m.io && !sends && !stalls)
            continue;
        CgroupInput &cg = in.cgroups[path];
        if (m.cpu)
            add_cpu(path, *m.cpu, model, cpus, in, cg);
        if (m.io)
            add_io(*m.io, model, cg);
        if (sends)
            add_tx(*m.net, net_window_s, cg);
        if (m.memory)
            add_memory(*m.memory, cg);
    }
    const MemorySignals &memory = model.signals().memory;
    if (std::ranges::any_of(memory, [](const auto &e) { return e.second.stall_fraction > 0; }))
        for (const auto &[id, signals] : memory)
            if (const std::string *path = model.path_of(id))
                add_memory(signals, in.cgroups[*path]);
}

uint64_t qdisc_drops(const DropsByReason &drops, const DropReasonNames &names) {
    uint64_t n = 0;
    for (const auto &[reason, count] : drops)
        if (names.name(reason) == "QDISC_DROP")
            n += count;
    return n;
}

void add_heartbeats(const NetSignals &net, const DropReasonNames &names, ControllerInput &in) {
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
// held ones, and those that some cgroup's evidence names as its antagonist,
// with a large enough share, where that cgroup's class has an SLO and a
// higher priority (only a lower class is ever turned down for a victim;
// Decider::evidence_for): its CPU antagonists (also a heartbeat sender's),
// whom its IO queued behind, the memory holders while something stalls on
// memory, the senders while a heartbeat is watched.
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
    // Only those with a share of the evidence large enough to be stepped
    // down for it: thousands of cgroups preempting each other name
    // thousands of small antagonists.
    auto add_blamed = [&](const std::vector<Antagonist> &evidence, int priority) {
        double attributed = attributed_weight(evidence);
        for (const Antagonist &a : evidence)
            if (large_enough_share(a.weight, attributed) && below(a.path, priority))
                out.insert(a.path);
    };
    for (const auto &[path, victim] : in.cgroups) {
        const ClassPolicy *c = class_of(policy, victim);
        if (!c || !c->slo.any())
            continue;
        add_blamed(victim.cpu_antagonists, c->priority);
        for (const auto &[device, io] : victim.io_devices)
            add_blamed(io.queued_behind, c->priority);
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

}  // namespace

ControllerInput build_controller_input(const PassModel &model, Duration now,
                                       InputSources &sources) {
    const Signals &signals = model.signals();
    ControllerInput in;
    in.now = now;
    in.window =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(signals.cpu.window_s));
    in.cpus = sources.cpus;
    add_cgroups(model, sources.cpus, in);
    if (signals.net)
        add_heartbeats(*signals.net, sources.drop_names ? *sources.drop_names : DropReasonNames{},
                       in);
    for (const KnobTarget &held : sources.held)
        if (model.exists(held.cgroup))
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
