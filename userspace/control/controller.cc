#include "cgwarden/control/controller.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

constexpr Knob kCpuKnobs[] = {Knob::CpuWeight, Knob::CpuMax};
constexpr Knob kIoKnobs[] = {Knob::IoWeight, Knob::IoMax};
constexpr const char *kCpuSlo = "cpu_delay_p99";
constexpr Knob kNetKnobs[] = {Knob::NetEgressRate};
constexpr const char *kIoSlo = "io_latency_p99";
constexpr const char *kHeartbeatDropsSlo = "heartbeat_drops";
constexpr const char *kHeartbeatGapSlo = "heartbeat_gap";
constexpr Knob kMemoryKnobs[] = {Knob::MemoryHigh};
constexpr const char *kMemorySlo = "memory_stall";

bool is_cpu_knob(Knob knob) {
    return std::find(std::begin(kCpuKnobs), std::end(kCpuKnobs), knob) != std::end(kCpuKnobs);
}

double seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}

const ClassPolicy *class_of(const Policy &policy, const CgroupInput &cg) {
    if (!cg.class_index || *cg.class_index >= policy.classes.size())
        return nullptr;
    return &policy.classes[*cg.class_index];
}

const KnobBounds *bounds_of(const Policy &policy, const CgroupInput &cg, Knob knob) {
    const ClassPolicy *c = class_of(policy, cg);
    if (!c)
        return nullptr;
    auto it = c->knobs.find(knob);
    return it == c->knobs.end() ? nullptr : &it->second;
}

// A step down never lands above the ceiling (an unlimited knob first drops
// to it) nor below the floor.
double step_down(double current, const KnobBounds &b) {
    if (current > b.ceiling)
        return b.ceiling;
    return std::max(b.floor, current - b.step);
}

// A step up moves toward the original; at the ceiling or at the most the
// knob can mean (cap), or with headroom, it is the original itself, exactly.
double step_up(double current, double original, const KnobBounds *b, bool headroom, double cap) {
    if (!b || headroom)
        return original;
    double next = current + b->step;
    return next >= std::min({original, b->ceiling, cap}) ? original : next;
}

// "/batch io_max 8:0" for messages.
std::string describe(const KnobTarget &target) {
    return target.cgroup + " " + to_string(target.knob) +
           (target.device.empty() ? "" : " " + target.device);
}

// Reversals of direction among recent moves, counting the proposed one.
int reversals(const KnobState &ks, Direction next) {
    int n = 0;
    for (size_t i = 1; i < ks.moves.size(); ++i)
        n += ks.moves[i].second != ks.moves[i - 1].second;
    if (!ks.moves.empty() && ks.moves.back().second != next)
        ++n;
    return n;
}

class Decider {
  public:
    // Where a step down starts: below what the knob can mean on this node.
    // A quota above what the cgroup uses limits nothing, so cpu_max steps
    // down from its usage in the interval (a hog pinned to one CPU of 64 is
    // limited by the first step, not the 63rd), at most the CPU count, then
    // from the quota; an unlimited io_max from what the
    // cgroup moved on the device in the interval; an unlimited
    // net_egress_rate from what the links carried of its packets, not what
    // it offered: a UDP flood into a full queue offers a thousand times
    // more, and steps from there would take hours to limit anything; an
    // unlimited memory_high from what the cgroup holds.
    double step_origin(const KnobTarget &target, const CgroupInput &cg, double current) const {
        if (target.knob == Knob::CpuMax)
            return std::min({current, in_.cpus, cg.cpu_usage > 0 ? cg.cpu_usage : kUnlimited});
        if (target.knob == Knob::IoMax && std::isinf(current)) {
            auto io = cg.io_devices.find(target.device);
            bool moved = io != cg.io_devices.end() && io->second.bytes_per_s > 0;
            return moved ? io->second.bytes_per_s : current;
        }
        if (target.knob == Knob::NetEgressRate && std::isinf(current) &&
            cg.tx_passed_bytes_per_s > 0)
            return cg.tx_passed_bytes_per_s;
        if (target.knob == Knob::MemoryHigh && std::isinf(current) && cg.memory_bytes > 0)
            return cg.memory_bytes;
        return current;
    }

    Decider(const ControllerInput &in, const Policy &policy, ControllerOutput &out)
        : in_(in), policy_(policy), out_(out) {}

    void adopt_external_changes() {
        for (const KnobTarget &key : in_.changed_externally) {
            auto cg = in_.cgroups.find(key.cgroup);
            if (cg == in_.cgroups.end())
                continue;
            auto current = cg->second.knobs.find(key.slot());
            if (current == cg->second.knobs.end())
                continue;
            KnobState adopted;
            adopted.original = current->second;
            adopted.held_until = in_.now + policy_.flap_window;
            out_.state.knobs[key] = adopted;
            out_.notices.push_back(describe(key) +
                                   ": changed by someone else; adopted as the original, "
                                   "left alone for the flap window");
        }
    }

    void track_victims() {
        std::map<std::string, VictimState> next;
        for (const auto &[path, cg] : in_.cgroups) {
            const ClassPolicy *c = class_of(policy_, cg);
            if (!c)
                continue;
            size_t before = out_.breaches.size();
            Judgement judged = evaluate_slos(path, cg, c->slo);
            if (!judged.watched)
                continue;
            VictimState v =
                out_.state.victims.count(path) ? out_.state.victims.at(path) : VictimState{};
            if (out_.breaches.size() > before) {
                v.breach_since = v.breach_since.value_or(in_.now);
                v.healthy_since.reset();
                v.last_breach = in_.now;
            } else if (judged.unjudged && v.breach_since &&
                       in_.now - v.last_breach < kUnjudgedLimit) {
                keep_blamed(v);
            } else {
                v.healthy_since = v.healthy_since.value_or(in_.now);
                v.breach_since.reset();
                v.blamed.clear();
            }
            next[path] = v;
        }
        // Victims that vanished or lost their SLO are forgotten.
        out_.state.victims = std::move(next);
    }

    void step_down_antagonists() {
        for (const Breach &breach : out_.breaches) {
            const CgroupInput &victim = in_.cgroups.at(breach.cgroup);
            const ClassPolicy &victim_class = *class_of(policy_, victim);
            auto [antagonists, knobs] = evidence_for(breach, victim);
            double attributed = 0;
            for (const Antagonist &a : antagonists)
                attributed += a.weight;
            for (const Antagonist &a : antagonists) {
                double share = attributed > 0 ? a.weight / attributed : 0;
                // The hierarchy's root holds the node itself: never a knob of ours.
                if (a.path == breach.cgroup || a.path == "/" || share < kMinAntagonistShare)
                    continue;
                auto cg = in_.cgroups.find(a.path);
                if (cg == in_.cgroups.end())
                    continue;
                const ClassPolicy *c = class_of(policy_, cg->second);
                // Only a lower class is ever stepped down.
                if (!c || c->priority >= victim_class.priority)
                    continue;
                Evidence evidence{breach.cgroup,   breach.slo,    breach.device, breach.flow,
                                  breach.observed, breach.target, a.weight,      share};
                for (Knob knob : knobs)
                    step_knob_down(slot_of(cg->second, knob, breach.device), a.path, cg->second,
                                   evidence);
            }
        }
    }

    void relax_lowered_knobs() {
        bool cpu_headroom = in_.cpu_busy_fraction < kHeadroomBusyFraction;
        for (auto it = out_.state.knobs.begin(); it != out_.state.knobs.end();) {
            const KnobTarget &target = it->first;
            const std::string &path = target.cgroup;
            Knob knob = target.knob;
            KnobState &ks = it->second;
            if (moved_.count(it->first)) {
                ++it;  // stepped down this interval: the input still shows the old value
                continue;
            }
            auto cg = in_.cgroups.find(path);
            if (cg == in_.cgroups.end()) {
                it = out_.state.knobs.erase(it);  // cgroup removed: nothing left to relax
                continue;
            }
            auto current = cg->second.knobs.find(target.slot());
            bool held = ks.held_until && *ks.held_until > in_.now;
            if (current == cg->second.knobs.end() || current->second >= ks.original) {
                // Back at (or above) its original: cgwarden is done with it.
                it = held ? std::next(it) : out_.state.knobs.erase(it);
                continue;
            }
            ++it;
            const KnobBounds *b = bounds_of(policy_, cg->second, knob);
            // Idle CPUs say nothing about a disk, memory or a link.
            bool headroom = cpu_headroom && is_cpu_knob(knob);
            if (held || !blame_cleared(ks, b))
                continue;
            if (b && in_.now - ks.last_move < b->cooldown)
                continue;
            double next =
                step_up(current->second, ks.original, b, headroom, ks.limits_nothing_above);
            move(target, ks, current->second, next, Direction::Up,
                 headroom || !b ? "headroom" : "recovered", std::nullopt);
        }
    }

  private:
    struct Judgement {
        bool watched = false;   // it has an SLO this interval can speak to
        bool unjudged = false;  // a p99 SLO had too few samples to judge
    };

    // Appends the cgroup's breaches of `slo`.
    Judgement evaluate_slos(const std::string &path, const CgroupInput &cg, const Slo &slo) {
        Judgement j;
        bool &watched = j.watched;
        if (slo.cpu_delay_p99) {
            watched = true;
            double target = seconds(*slo.cpu_delay_p99);
            j.unjudged |= cg.cpu_waits < kMinWaitsForP99;
            if (cg.cpu_waits >= kMinWaitsForP99 && cg.cpu_delay_p99_s > target)
                out_.breaches.push_back({path, kCpuSlo, cg.cpu_delay_p99_s, target, "", ""});
        }
        if (slo.io_latency_p99) {
            watched = true;
            double target = seconds(*slo.io_latency_p99);
            bool judged = false;
            for (const auto &[device, io] : cg.io_devices) {
                judged |= io.ops >= kMinWaitsForP99;
                if (io.ops >= kMinWaitsForP99 && io.latency_p99_s > target)
                    out_.breaches.push_back({path, kIoSlo, io.latency_p99_s, target, device, ""});
            }
            j.unjudged |= !judged;
        }
        if (slo.memory_stall && cg.memory_stall) {
            watched = true;
            if (*cg.memory_stall > *slo.memory_stall)
                out_.breaches.push_back(
                    {path, kMemorySlo, *cg.memory_stall, *slo.memory_stall, "", ""});
        }
        for (const HeartbeatInput &hb : in_.heartbeats) {
            if (hb.sender != path)
                continue;
            if (slo.heartbeat_drops) {
                watched = true;
                auto allowed = static_cast<double>(*slo.heartbeat_drops);
                if (static_cast<double>(hb.dropped) > allowed)
                    out_.breaches.push_back({path, kHeartbeatDropsSlo,
                                             static_cast<double>(hb.dropped), allowed, "",
                                             hb.flow});
            }
            if (slo.heartbeat_gap) {
                watched = true;
                double target = seconds(*slo.heartbeat_gap);
                if (hb.max_gap_s > target)
                    out_.breaches.push_back(
                        {path, kHeartbeatGapSlo, hb.max_gap_s, target, "", hb.flow});
            }
        }
        return j;
    }

    // An interval that cannot judge a breaching victim does not start the
    // hold-down of the knobs it blamed.
    void keep_blamed(const VictimState &v) {
        for (const KnobTarget &target : v.blamed)
            if (auto ks = out_.state.knobs.find(target); ks != out_.state.knobs.end())
                ks->second.last_blamed = in_.now;
    }

    // Who caused the breach and which of their knobs answer it. CPU: who
    // held the CPU while the victim waited. IO: whose requests were ahead on
    // the same disk. Heartbeat drops in a queueing discipline: who filled
    // the egress queues, by bytes sent. A heartbeat gap: the sender was not
    // running, so whoever held its CPU. Drops elsewhere (the receiver's
    // socket buffer, a firewall rule) name no antagonist on this node.
    // Memory stalls: reclaim takes from whoever holds the memory, so the
    // largest holders, by bytes.
    std::pair<std::vector<Antagonist>, std::span<const Knob>> evidence_for(
        const Breach &breach, const CgroupInput &victim) const {
        if (breach.slo == kIoSlo)
            return {victim.io_devices.at(breach.device).queued_behind, kIoKnobs};
        if (breach.slo == kMemorySlo)
            return {memory_holders(breach.cgroup), kMemoryKnobs};
        if (breach.slo == kHeartbeatDropsSlo) {
            std::vector<Antagonist> senders;
            if (qdisc_drops(breach.flow) > 0)
                for (const auto &[path, cg] : in_.cgroups)
                    if (cg.tx_bytes_per_s > 0)
                        senders.push_back({path, cg.tx_bytes_per_s});
            return {senders, kNetKnobs};
        }
        return {victim.cpu_antagonists, kCpuKnobs};
    }

    // Cgroups holding memory, innermost only, other than the victim: a
    // parent's memory.current counts its children's again, and the victim's
    // own ancestors hold the victim's memory.
    std::vector<Antagonist> memory_holders(const std::string &victim) const {
        std::vector<Antagonist> holders;
        for (const auto &[path, cg] : in_.cgroups) {
            if (cg.memory_bytes <= 0 || path == victim || is_ancestor_path(path, victim))
                continue;
            // Descendants sort together, from the first path under "path/".
            auto below = in_.cgroups.lower_bound(path + "/");
            if (below != in_.cgroups.end() && is_ancestor_path(path, below->first))
                continue;
            holders.push_back({path, cg.memory_bytes});
        }
        return holders;
    }

    uint64_t qdisc_drops(const std::string &flow) const {
        for (const HeartbeatInput &hb : in_.heartbeats)
            if (hb.flow == flow)
                return hb.qdisc_drops;
        return 0;
    }

    // The knob's slot on the breach's device where it is per device there,
    // else its one slot (v2 io.weight, CPU knobs).
    static KnobSlot slot_of(const CgroupInput &cg, Knob knob, const std::string &device) {
        KnobSlot on_device{knob, device};
        return !device.empty() && cg.knobs.count(on_device) ? on_device : KnobSlot{knob};
    }

    void step_knob_down(const KnobSlot &slot, const std::string &path, const CgroupInput &cg,
                        const Evidence &evidence) {
        KnobTarget key{path, slot.knob, slot.device};
        const KnobBounds *b = bounds_of(policy_, cg, slot.knob);
        auto current = cg.knobs.find(slot);
        if (!b || current == cg.knobs.end() || moved_.count(key))
            return;
        auto [it, created] = out_.state.knobs.try_emplace(key);
        KnobState &ks = it->second;
        if (created) {
            ks.original = current->second;
            ks.limits_nothing_above = step_origin(key, cg, current->second);
        }
        ks.last_blamed = in_.now;
        if (auto v = out_.state.victims.find(evidence.victim); v != out_.state.victims.end())
            v->second.blamed.insert(key);
        if ((ks.held_until && *ks.held_until > in_.now) || in_.now - ks.last_move < b->cooldown)
            return;
        double target = step_down(step_origin(key, cg, current->second), *b);
        if (target >= current->second)
            return;  // at its floor already
        move(key, ks, current->second, target, Direction::Down, "slo-breach", evidence);
    }

    // No breach has named the cgroup as an antagonist for the hold-down time:
    // its victims are healthy, or what still hurts them is someone else.
    bool blame_cleared(const KnobState &ks, const KnobBounds *b) const {
        return in_.now - ks.last_blamed >= (b ? b->hold_down : Duration{});
    }

    void move(const KnobTarget &target, KnobState &ks, double from, double to, Direction direction,
              std::string rule, std::optional<Evidence> evidence) {
        while (!ks.moves.empty() && in_.now - ks.moves.front().first > policy_.flap_window)
            ks.moves.pop_front();
        if (reversals(ks, direction) > policy_.flap_limit) {
            ks.held_until = in_.now + policy_.flap_window;
            out_.notices.push_back(describe(target) + ": reversed direction more than " +
                                   std::to_string(policy_.flap_limit) +
                                   " times; held for the flap window");
            return;
        }
        ks.moves.emplace_back(in_.now, direction);
        ks.last_move = in_.now;
        moved_.insert(target);
        out_.decisions.push_back({target.cgroup, target.knob, from, to, direction, std::move(rule),
                                  evidence, target.device});
    }

    const ControllerInput &in_;
    const Policy &policy_;
    ControllerOutput &out_;
    std::set<KnobTarget> moved_;
};

}  // namespace

ControllerOutput decide(const ControllerInput &input, const Policy &policy,
                        const ControllerState &state) {
    ControllerOutput out;
    out.state = state;
    Decider decider(input, policy, out);
    decider.track_victims();
    if (policy.mode == Mode::Monitor)
        return out;
    decider.adopt_external_changes();
    decider.step_down_antagonists();
    decider.relax_lowered_knobs();
    return out;
}

}  // namespace cgw
