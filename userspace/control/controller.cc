#include "cgwarden/control/controller.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <span>
#include <tuple>

#include "cgwarden/common/strings.h"
#include "cgwarden/control/knob_search.h"
#include "cgwarden/control/ladder.h"
#include "cgwarden/control/own_cause.h"
#include "cgwarden/decisions/text.h"

namespace cgw {

const ClassPolicy *class_of(const Policy &policy, const CgroupInput &cg) {
    if (!cg.class_index || *cg.class_index >= policy.classes.size())
        return nullptr;
    return &policy.classes[*cg.class_index];
}

namespace {

constexpr const char *kCpuSlo = "cpu_delay_p99";
constexpr const char *kIoSlo = "io_latency_p99";
constexpr const char *kHeartbeatDropsSlo = "heartbeat_drops";
constexpr const char *kHeartbeatGapSlo = "heartbeat_gap";
constexpr const char *kMemorySlo = "memory_stall";

// How long a knob back at its original keeps the grant that last held, so
// an antagonist that comes back is met there at once.
constexpr Duration kRememberFor = std::chrono::minutes(10);

double seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}

std::string duration_text(Duration d) {
    return fmt::format("{}s", std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

const KnobBounds *bounds_of(const Policy &policy, const CgroupInput &cg, Knob knob) {
    const ClassPolicy *c = class_of(policy, cg);
    if (!c)
        return nullptr;
    auto it = c->knobs.find(knob);
    return it == c->knobs.end() ? nullptr : &it->second;
}

// The knob's grant now, when it could be read.
std::optional<double> grant_now(const CgroupInput &cg, const KnobSlot &slot) {
    auto it = cg.knobs.find(slot);
    if (it == cg.knobs.end())
        return std::nullopt;
    return grant_of(slot.knob, it->second);
}

// While cpu.idle is set the kernel holds the weight at its minimum and
// refuses writes to it: the weight means nothing then.
bool overridden(const CgroupInput &cg, Knob knob) {
    auto idle = cg.knobs.find(KnobSlot{Knob::CpuIdle});
    return knob == Knob::CpuWeight && idle != cg.knobs.end() && idle->second == 1;
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

// Which of a victim's SLO signals an interval could judge: the victim, the
// SLO, and the device or flow of a per-device or per-flow one.
using SignalKey = std::tuple<std::string, std::string, std::string, std::string>;

SignalKey key_of(const Breach &b) {
    return {b.cgroup, b.slo, b.device, b.flow};
}

SignalKey key_of(const StepTrial &t) {
    return {t.victim, t.slo, t.device, t.flow};
}

class Decider {
  public:
    Decider(const ControllerInput &in, const Policy &policy, ControllerOutput &out)
        : in_(in), policy_(policy), out_(out) {}

    void adopt_external_changes() {
        for (const KnobTarget &key : in_.changed_externally) {
            auto cg = in_.cgroups.find(key.cgroup);
            if (cg == in_.cgroups.end())
                continue;
            auto grant = grant_now(cg->second, key.slot());
            if (!grant)
                continue;
            KnobState adopted;
            adopted.original = *grant;
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
            if (judged.any)
                v.last_judged = in_.now;
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

    // A knob's steps for a victim are judged whenever that victim's signal
    // is judged after them: back within its SLO, they helped. Still
    // breaching at the knob's floor, they helped if the signal fell by
    // kMinImprovement since the first step (the ladder's next rung takes
    // over), else they are undone. Not before the floor: a link's capacity
    // or a disk's queue shows no effect until the boundary is crossed.
    void judge_trials() {
        for (auto &[target, ks] : out_.state.knobs) {
            if (!ks.trial || !judged_.count(key_of(*ks.trial)) || !measured_since_move(ks))
                continue;
            auto cg = in_.cgroups.find(target.cgroup);
            auto grant =
                cg == in_.cgroups.end() ? std::nullopt : grant_now(cg->second, target.slot());
            const KnobBounds *b =
                cg == in_.cgroups.end() ? nullptr : bounds_of(policy_, cg->second, target.knob);
            if (!grant || !b) {
                ks.trial.reset();
                continue;
            }
            const StepTrial &t = *ks.trial;
            const Breach *breach = breach_of(key_of(t));
            std::string before = slo_value_text(t.slo, t.baseline);
            if (!breach) {
                out_.effects.push_back(
                    fmt::format("{} helped {}: {} {} -> within its SLO after {} step(s)",
                                describe(target), t.victim, t.slo, before, t.steps));
                ks.held_at = *grant;
                ks.made_healthy = true;
                ks.trial.reset();
                continue;
            }
            if (*grant > b->floor + b->step * kNegligibleStep)
                continue;
            // A cap costs the antagonist throughput: worth it only for a
            // victim it makes healthy (or made healthy before: see
            // made_healthy). A weight or cpu.idle costs little.
            bool partly = breach->observed <= t.baseline * (1 - kMinImprovement);
            if ((partly && !is_cap(target.knob)) || ks.made_healthy) {
                out_.effects.push_back(fmt::format(
                    "{} helped {} only partly: {} {} -> {} at its floor", describe(target),
                    t.victim, t.slo, before, slo_value_text(t.slo, breach->observed)));
                ks.trial.reset();
                continue;
            }
            undo(target, ks, *breach, *grant, cg->second);
        }
    }

    void step_down_antagonists() {
        for (const Breach &breach : out_.breaches) {
            if (!breach.own_cause.empty())
                continue;  // its own trouble: no neighbour pays for it
            const CgroupInput &victim = in_.cgroups.at(breach.cgroup);
            const ClassPolicy &victim_class = *class_of(policy_, victim);
            std::vector<Antagonist> antagonists = evidence_for(breach, victim);
            double attributed = attributed_weight(antagonists);
            for (const Antagonist &a : antagonists) {
                // The hierarchy's root holds the node itself: never a knob of ours.
                if (a.path == breach.cgroup || a.path == "/" ||
                    !large_enough_share(a.weight, attributed))
                    continue;
                double share = a.weight / attributed;
                auto cg = in_.cgroups.find(a.path);
                if (cg == in_.cgroups.end())
                    continue;
                const ClassPolicy *c = class_of(policy_, cg->second);
                // Only a lower class is ever stepped down.
                if (!c || c->priority >= victim_class.priority)
                    continue;
                Evidence evidence{breach.cgroup,   breach.slo,    breach.device, breach.flow,
                                  breach.observed, breach.target, a.weight,      share};
                step_ladder(breach, a.path, cg->second, evidence);
            }
        }
    }

    void relax_lowered_knobs() {
        for (auto it = out_.state.knobs.begin(); it != out_.state.knobs.end();) {
            const KnobTarget &target = it->first;
            KnobState &ks = it->second;
            auto cg = in_.cgroups.find(target.cgroup);
            if (cg == in_.cgroups.end()) {
                it = out_.state.knobs.erase(it);  // cgroup removed: nothing left to relax
                continue;
            }
            if (moved_.count(target)) {
                ++it;  // moved this interval: the input still shows the old value
                continue;
            }
            auto grant = grant_now(cg->second, target.slot());
            if (!grant) {
                // Not read this pass (a read failed): still lowered as far as
                // anyone knows. Forgetting it here would leave it lowered for
                // good; it is judged again when it can be read.
                ++it;
                continue;
            }
            bool held = ks.held_until && *ks.held_until > in_.now;
            if (*grant >= ks.original) {
                // Back at (or above) its original: cgwarden is done with it,
                // but remembers for a while where it last held.
                bool remember = (ks.held_at && in_.now - ks.last_move < kRememberFor) ||
                                ks.last_blamed == in_.now;
                it = held || remember ? std::next(it) : out_.state.knobs.erase(it);
                continue;
            }
            ++it;
            if (ks.last_blamed != in_.now)
                ks.breaches_at_floor = 0;
            bool held_down = ks.held_down_until && *ks.held_down_until > in_.now;
            if (held || held_down || overridden(cg->second, target.knob) ||
                later_rung_lowered(target))
                continue;
            give_back(target, ks, cg->second, *grant);
        }
    }

    void expire_ineffective() {
        std::erase_if(out_.state.ineffective,
                      [this](const auto &entry) { return entry.second <= in_.now; });
    }

  private:
    struct Judgement {
        bool watched = false;   // it has an SLO this interval can speak to
        bool unjudged = false;  // a p99 SLO had too few samples to judge
        bool any = false;       // some SLO signal had enough to judge
    };

    // Appends the cgroup's breaches of `slo` and records what was judged.
    Judgement evaluate_slos(const std::string &path, const CgroupInput &cg, const Slo &slo) {
        Judgement j;
        auto judge = [&](const std::string &name, const std::string &device,
                         const std::string &flow, double observed, double target) {
            j.any = true;
            judged_.insert({path, name, device, flow});
            if (observed > target)
                out_.breaches.push_back({path, name, observed, target, device, flow, ""});
        };
        // Whether `count` samples can judge a p99 target (see kMinWaitsForMedian).
        auto judges_p99 = [](uint64_t count, double p50, double target) {
            return count >= kMinWaitsForP99 || (count >= kMinWaitsForMedian && p50 > target);
        };
        if (slo.cpu_delay_p99) {
            j.watched = true;
            double target = seconds(*slo.cpu_delay_p99);
            if (judges_p99(cg.cpu_waits, cg.cpu_delay_p50_s, target))
                judge(kCpuSlo, "", "", cg.cpu_delay_p99_s, target);
            else
                j.unjudged = true;
        }
        if (slo.io_latency_p99) {
            j.watched = true;
            double target = seconds(*slo.io_latency_p99);
            bool judged = false;
            for (const auto &[device, io] : cg.io_devices) {
                if (!judges_p99(io.ops, io.latency_p50_s, target))
                    continue;
                judged = true;
                judge(kIoSlo, device, "", io.latency_p99_s, target);
            }
            j.unjudged |= !judged;
        }
        if (slo.memory_stall && cg.memory_stall) {
            j.watched = true;
            judge(kMemorySlo, "", "", *cg.memory_stall, *slo.memory_stall);
        }
        for (const HeartbeatInput &hb : in_.heartbeats) {
            if (hb.sender != path)
                continue;
            if (slo.heartbeat_drops) {
                j.watched = true;
                // A flow that sent nothing lost nothing, and proves nothing.
                if (hb.sent > 0 || hb.dropped > 0)
                    judge(kHeartbeatDropsSlo, "", hb.flow, static_cast<double>(hb.dropped),
                          static_cast<double>(*slo.heartbeat_drops));
                else
                    j.unjudged = true;
            }
            if (slo.heartbeat_gap) {
                j.watched = true;
                judge(kHeartbeatGapSlo, "", hb.flow, hb.max_gap_s, seconds(*slo.heartbeat_gap));
            }
        }
        for (size_t i = out_.breaches.size(); i-- > 0 && out_.breaches[i].cgroup == path;) {
            Breach &b = out_.breaches[i];
            if (b.slo == kCpuSlo || b.slo == kHeartbeatGapSlo)
                b.own_cause = own_cpu_cause(path, cg);
        }
        return j;
    }

    const Breach *breach_of(const SignalKey &key) const {
        for (const Breach &b : out_.breaches)
            if (key_of(b) == key)
                return &b;
        return nullptr;
    }

    // An interval that cannot judge a breaching victim does not start the
    // hold-down of the knobs it blamed.
    void keep_blamed(const VictimState &v) {
        for (const KnobTarget &target : v.blamed)
            if (auto ks = out_.state.knobs.find(target); ks != out_.state.knobs.end())
                ks->second.last_blamed = in_.now;
    }

    // Who caused the breach. CPU: who held the CPU while the victim waited.
    // IO: whose requests were ahead on the same disk. Heartbeat drops in a
    // queueing discipline: who filled the egress queues, by bytes sent. A
    // heartbeat gap: the sender was not running, so whoever held its CPU.
    // Drops elsewhere (the receiver's socket buffer, a firewall rule) name no
    // antagonist on this node. Memory stalls: reclaim takes from whoever
    // holds the memory, so the largest holders, by bytes. The input reads
    // knobs only of the cgroups this can name (control/input.cc may_move):
    // a new kind of evidence goes there too.
    std::vector<Antagonist> evidence_for(const Breach &breach, const CgroupInput &victim) const {
        if (breach.slo == kIoSlo)
            return victim.io_devices.at(breach.device).queued_behind;
        if (breach.slo == kMemorySlo)
            return memory_holders(breach.cgroup);
        if (breach.slo == kHeartbeatDropsSlo) {
            std::vector<Antagonist> senders;
            if (qdisc_drops(breach.flow) > 0)
                for (const auto &[path, cg] : in_.cgroups)
                    if (cg.tx_bytes_per_s > 0)
                        senders.push_back({path, cg.tx_bytes_per_s});
            return senders;
        }
        return victim.cpu_antagonists;
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

    // Whether the knob can act on the breach's device at all.
    bool acts_on_device(Knob knob, const std::string &device) const {
        return knob != Knob::IoWeight || !in_.io_weight_ignored_on.count(device);
    }

    // The knob's slot on the breach's device where it is per device there,
    // else its one slot (v2 io.weight, CPU knobs).
    static KnobSlot slot_of(const CgroupInput &cg, Knob knob, const std::string &device) {
        KnobSlot on_device{knob, device};
        return !device.empty() && cg.knobs.count(on_device) ? on_device : KnobSlot{knob};
    }

    // Where a step down starts: below what the knob can mean on this node.
    // A quota above what the cgroup uses limits nothing, so cpu_max steps
    // down from its usage in the interval (a hog pinned to one CPU of 64 is
    // limited by the first step, not the 63rd), at most the CPU count, then
    // from the quota; an unlimited io_max from what the cgroup moved on the
    // device in the interval; an unlimited net_egress_rate from what the
    // links carried of its packets, not what it offered: a UDP flood into a
    // full queue offers a thousand times more, and steps from there would
    // take hours to limit anything; an unlimited memory_high from what the
    // cgroup holds.
    double step_origin(const KnobTarget &target, const CgroupInput &cg, double grant) const {
        if (target.knob == Knob::CpuMax)
            return std::min({grant, in_.cpus, cg.cpu_usage > 0 ? cg.cpu_usage : kUnlimited});
        if (!std::isinf(grant))
            return grant;
        if (target.knob == Knob::IoMax) {
            auto io = cg.io_devices.find(target.device);
            bool moved = io != cg.io_devices.end() && io->second.bytes_per_s > 0;
            return moved ? io->second.bytes_per_s : grant;
        }
        if (target.knob == Knob::NetEgressRate && cg.tx_passed_bytes_per_s > 0)
            return cg.tx_passed_bytes_per_s;
        if (target.knob == Knob::MemoryHigh && cg.memory_bytes > 0)
            return cg.memory_bytes;
        return grant;
    }

    bool ineffective(const std::string &victim, const KnobTarget &target) const {
        return out_.state.ineffective.count({victim, target}) > 0;
    }

    // Records that `victim`'s breach named the knob's cgroup: the knob is not
    // given back while that goes on. Creates the knob's state at its first.
    KnobState &blame(const KnobTarget &key, const CgroupInput &cg, double grant,
                     const std::string &victim) {
        auto [it, created] = out_.state.knobs.try_emplace(key);
        KnobState &ks = it->second;
        if (created) {
            ks.original = grant;
            ks.limits_nothing_above = step_origin(key, cg, grant);
        }
        ks.last_blamed = in_.now;
        ks.activity_when_blamed = activity(cg, key);
        ks.victims.insert(victim);
        if (auto v = out_.state.victims.find(victim); v != out_.state.victims.end())
            v->second.blamed.insert(key);
        return ks;
    }

    // Moves the first rung of the antagonist's ladder that can still take
    // something and may be used for this victim; every rung that has been
    // lowered stays blamed. A rung waiting out its cooldown holds the ladder:
    // its last step is judged before anything stronger is tried.
    void step_ladder(const Breach &breach, const std::string &path, const CgroupInput &cg,
                     const Evidence &evidence) {
        bool stepped = false;
        for (Knob knob : rungs_in_order(breach, path, cg)) {
            KnobSlot slot = slot_of(cg, knob, breach.device);
            KnobTarget key{path, slot.knob, slot.device};
            const KnobBounds *b = bounds_of(policy_, cg, knob);
            auto grant = grant_now(cg, slot);
            if (!b || !grant || overridden(cg, knob) || ineffective(breach.cgroup, key))
                continue;
            bool tracked = out_.state.knobs.count(key) > 0;
            if (stepped) {
                if (tracked)
                    blame(key, cg, *grant, breach.cgroup);
                continue;
            }
            KnobState &ks = blame(key, cg, *grant, breach.cgroup);
            if (ks.held_until && *ks.held_until > in_.now)
                continue;  // left alone: the next rung answers
            // It held there once; not any more. At the floor there is
            // nothing lower to try: the memory of where it held is kept.
            if (ks.held_at && *ks.held_at >= *grant &&
                *grant > b->floor + b->step * kNegligibleStep)
                ks.held_at.reset();
            // Above limits_nothing_above the knob limits nothing: a breach
            // there is a breach at it.
            ks.breached_at =
                std::min({ks.breached_at.value_or(kUnlimited), *grant, ks.limits_nothing_above});
            // Back to where it held after a failed probe is the search's own
            // move; any other step down counts toward flapping.
            bool after_probe = ks.probing;
            double next = grant_after_breach(*grant, step_origin(key, cg, *grant), ks.held_at, *b);
            if (next >= *grant - b->step * kNegligibleStep) {
                // At its floor: the next rung, once the breach outlasted it.
                if (ks.breached_at_floor_on != in_.now) {
                    ks.breached_at_floor_on = in_.now;
                    ++ks.breaches_at_floor;
                }
                stepped = ks.breaches_at_floor <= kEscalateAfter;
                continue;
            }
            stepped = true;
            // An unlimited rate steps from what the cgroup moved over a
            // window it was active throughout, which starts with this pass:
            // the window it started in would take it most of the way to the
            // floor at once.
            if (!tracked && measured_origin(key, *grant, *b)) {
                out_.measure_soon = true;
                continue;
            }
            if (moved_.count(key) || in_.now - ks.last_move < b->cooldown ||
                !measured_since_move(ks))
                continue;
            if (!ks.trial) {
                double baseline = breach.observed;
                if (*grant >= ks.original - b->step * kNegligibleStep)
                    ks.made_healthy = false;  // a new episode
                else if (ks.trial_baseline)
                    baseline = std::max(baseline, *ks.trial_baseline);
                ks.trial_baseline = baseline;
                ks.trial =
                    StepTrial{breach.cgroup, breach.slo, breach.device, breach.flow, baseline, 0};
            }
            if (ks.trial->victim == breach.cgroup && ks.trial->slo == breach.slo)
                ++ks.trial->steps;
            move(key, ks, *grant, next, Direction::Down, "slo-breach", evidence, !after_probe);
        }
    }

    // The signals were measured wholly after the knob's last move took
    // effect: not in the window that starts with the pass that moved it,
    // which holds the transient (a task still on its slice, a qdisc or a
    // disk queue still draining, pages still to reclaim). The daemon runs a
    // pass shortly after every move, so the next window starts soon.
    bool measured_since_move(const KnobState &ks) const {
        // The window comes in (rounded) seconds: a window that starts at
        // the move may appear to start a few ns after it.
        constexpr Duration kRounding = std::chrono::milliseconds(1);
        return in_.now - in_.window > ks.last_move + kRounding;
    }

    static bool measured_origin(const KnobTarget &key, double grant, const KnobBounds &b) {
        bool rate = key.knob == Knob::IoMax || key.knob == Knob::NetEgressRate;
        return rate && std::isinf(grant) && std::isinf(b.ceiling);
    }

    // The ladder's rungs for this breach, a rung that remembers where the
    // victim held below where it is now first: an antagonist that comes
    // back is met there at once, not one rung at a time.
    std::vector<Knob> rungs_in_order(const Breach &breach, const std::string &path,
                                     const CgroupInput &cg) const {
        std::span<const Knob> ladder = ladder_for(breach.slo);
        std::vector<Knob> rungs;
        std::copy_if(ladder.begin(), ladder.end(), std::back_inserter(rungs),
                     [&](Knob knob) { return acts_on_device(knob, breach.device); });
        auto remembered = std::find_if(rungs.begin(), rungs.end(), [&](Knob knob) {
            KnobSlot slot = slot_of(cg, knob, breach.device);
            KnobTarget key{path, slot.knob, slot.device};
            auto ks = out_.state.knobs.find(key);
            auto grant = grant_now(cg, slot);
            return ks != out_.state.knobs.end() && ks->second.held_at && grant &&
                   *ks->second.held_at < *grant && bounds_of(policy_, cg, knob) &&
                   !overridden(cg, knob) && !ineffective(breach.cgroup, key);
        });
        if (remembered != rungs.end())
            std::rotate(rungs.begin(), remembered, remembered + 1);
        return rungs;
    }

    // A knob that did not help goes back to its original at once, and is
    // not used for that victim for a while: the ladder's next rung answers.
    void undo(const KnobTarget &target, KnobState &ks, const Breach &breach, double grant,
              const CgroupInput &cg) {
        StepTrial t = *ks.trial;
        ks.trial.reset();
        ks.breached_at.reset();
        ks.held_at.reset();
        out_.state.ineffective[{t.victim, target}] = in_.now + kIneffectiveFor;
        bool partly = breach.observed <= t.baseline * (1 - kMinImprovement);
        std::string notice = fmt::format(
            "{} {} {}: {} {} before, {} after {} step(s){}; undone, and not used for it for {}",
            describe(target), partly ? "helped only partly" : "did not help", t.victim, t.slo,
            slo_value_text(t.slo, t.baseline), slo_value_text(t.slo, breach.observed), t.steps,
            partly ? fmt::format(" against an SLO of {}, and a cap that does not make it healthy "
                                 "costs {} throughput for nothing",
                                 slo_value_text(t.slo, breach.target), target.cgroup)
                   : "",
            duration_text(kIneffectiveFor));
        if (!other_rung_left(target, cg, t.victim, breach))
            notice += fmt::format(
                "; no other knob of {} answers {}{}: {} cannot be protected from it with the "
                "knobs this node has",
                target.cgroup, t.slo, t.device.empty() ? "" : " on " + t.device, t.victim);
        out_.notices.push_back(std::move(notice));
        Evidence evidence{breach.cgroup,
                          breach.slo,
                          breach.device,
                          breach.flow,
                          breach.observed,
                          breach.target,
                          0,
                          0};
        move(target, ks, grant, ks.original, Direction::Up, "no-effect", evidence, true);
    }

    bool other_rung_left(const KnobTarget &target, const CgroupInput &cg, const std::string &victim,
                         const Breach &breach) const {
        for (Knob knob : ladder_for(breach.slo)) {
            if (!acts_on_device(knob, breach.device))
                continue;
            KnobSlot slot = slot_of(cg, knob, breach.device);
            KnobTarget key{target.cgroup, slot.knob, slot.device};
            const KnobBounds *b = bounds_of(policy_, cg, knob);
            auto grant = grant_now(cg, slot);
            if (key != target && b && grant && *grant > b->floor + b->step * kNegligibleStep &&
                !overridden(cg, knob) && !ineffective(victim, key))
                return true;
        }
        return false;
    }

    // A rung goes back up only once the stronger rungs above it on its
    // ladder are back at their originals.
    bool later_rung_lowered(const KnobTarget &target) const {
        std::span<const Knob> ladder = ladder_of(target.knob);
        auto after = std::find(ladder.begin(), ladder.end(), target.knob);
        for (auto k = after + 1; k < ladder.end(); ++k)
            for (const auto &[key, ks] : out_.state.knobs)
                if (key.cgroup == target.cgroup && key.knob == *k && lowered(key, ks))
                    return true;
        return false;
    }

    bool lowered(const KnobTarget &key, const KnobState &ks) const {
        auto cg = in_.cgroups.find(key.cgroup);
        auto grant = cg == in_.cgroups.end() ? std::nullopt : grant_now(cg->second, key.slot());
        return grant && *grant < ks.original;
    }

    // Some victim it was lowered for is still active: judged within
    // kUnjudgedLimit (a victim too starved to judge runs little).
    bool a_victim_is_active(const KnobState &ks) const {
        for (const std::string &victim : ks.victims) {
            auto v = out_.state.victims.find(victim);
            if (v != out_.state.victims.end() && in_.now - v->second.last_judged < kUnjudgedLimit)
                return true;
        }
        return false;
    }

    // A lowered knob goes back: all the way when its cgroup stopped, when no
    // victim it was lowered for is active, or when idle CPUs make a CPU
    // knob moot; else, once no breach has blamed it for the hold-down, by
    // the search (halfway to where it breached) or a step when no breach is
    // known. A settled knob tries a step up again after kSettledHoldDowns
    // hold-downs: the antagonist may have changed.
    void give_back(const KnobTarget &target, KnobState &ks, const CgroupInput &cg, double grant) {
        const KnobBounds *b = bounds_of(policy_, cg, target.knob);
        if (!b) {
            move(target, ks, grant, ks.original, Direction::Up, "recovered", std::nullopt, true);
            return;
        }
        bool blamed_now = ks.last_blamed == in_.now;
        // A cap holds its cgroup to the cap: below a tenth of that is
        // stopped, not capped. And not on the window of the move itself.
        double was = is_cap(target.knob) ? std::min(ks.activity_when_blamed, grant)
                                         : ks.activity_when_blamed;
        if (!blamed_now && measured_since_move(ks) && activity(cg, target) < kStoppedShare * was) {
            ks.breached_at.reset();
            move(target, ks, grant, ks.original, Direction::Up, "antagonist-idle", std::nullopt,
                 false);
            return;
        }
        if (!blamed_now && !a_victim_is_active(ks)) {
            ks.breached_at.reset();
            move(target, ks, grant, ks.original, Direction::Up, "victim-idle", std::nullopt, false);
            return;
        }
        Duration unblamed = in_.now - ks.last_blamed;
        if (unblamed < b->hold_down || in_.now - ks.last_move < b->cooldown)
            return;
        if (in_.cpu_busy_fraction < kHeadroomBusyFraction && is_cpu_knob(target.knob)) {
            move(target, ks, grant, ks.original, Direction::Up, "headroom", std::nullopt, true);
            return;
        }
        ks.held_at = grant;
        if (ks.breached_at && *ks.breached_at <= grant)
            ks.breached_at.reset();  // it holds where it once breached: that is past
        // A settled knob's retry is one step up, a probe: a breach there
        // sends it back to where it held, the bracket as it was.
        bool retry = ks.breached_at && unblamed >= kSettledHoldDowns * b->hold_down;
        auto next = grant_after_hold(grant, retry ? std::nullopt : ks.breached_at, ks.original,
                                     ks.limits_nothing_above, *b);
        if (!next)
            return;  // settled within a step of where it breached
        bool probe = ks.breached_at.has_value();
        move(target, ks, grant, *next, Direction::Up, probe ? "probe" : "recovered", std::nullopt,
             !probe);
    }

    // Moves a knob, from and to grants. Moves of the search for the
    // boundary (probes, a return to where it held, give-backs when the
    // antagonist or victim stopped) are bounded by the search itself and do
    // not count as flapping; the rest do. A flapping knob is held down:
    // nothing is given back for the flap window, and a breach can still take
    // more (holding it where the victim breaches would be the worse flap).
    void move(const KnobTarget &target, KnobState &ks, double from, double to, Direction direction,
              std::string rule, std::optional<Evidence> evidence, bool counts_as_flap) {
        while (!ks.moves.empty() && in_.now - ks.moves.front().first > policy_.flap_window)
            ks.moves.pop_front();
        if (counts_as_flap) {
            if (direction == Direction::Up && reversals(ks, direction) > policy_.flap_limit) {
                ks.held_down_until = in_.now + policy_.flap_window;
                out_.notices.push_back(describe(target) + ": reversed direction more than " +
                                       std::to_string(policy_.flap_limit) +
                                       " times; held down for the flap window");
                return;
            }
            ks.moves.emplace_back(in_.now, direction);
        }
        ks.last_move = in_.now;
        ks.probing = rule == "probe";
        ks.breaches_at_floor = 0;
        if (direction == Direction::Up)
            ks.trial.reset();  // nothing taken is left to judge
        moved_.insert(target);
        out_.decisions.push_back({target.cgroup, target.knob, grant_of(target.knob, from),
                                  grant_of(target.knob, to), direction, std::move(rule), evidence,
                                  target.device});
    }

    // A move smaller than this share of the knob's step is no move: a v1
    // weight reads back rounded through cpu.shares.
    static constexpr double kNegligibleStep = 0.01;

    const ControllerInput &in_;
    const Policy &policy_;
    ControllerOutput &out_;
    std::set<KnobTarget> moved_;
    std::set<SignalKey> judged_;
};

}  // namespace

double attributed_weight(const std::vector<Antagonist> &evidence) {
    double sum = 0;
    for (const Antagonist &a : evidence)
        sum += a.weight;
    return sum;
}

ControllerOutput decide(const ControllerInput &input, const Policy &policy,
                        const ControllerState &state) {
    ControllerOutput out;
    out.state = state;
    Decider decider(input, policy, out);
    decider.track_victims();
    if (policy.mode == Mode::Monitor)
        return out;
    decider.adopt_external_changes();
    decider.expire_ineffective();
    decider.judge_trials();
    decider.step_down_antagonists();
    decider.relax_lowered_knobs();
    return out;
}

}  // namespace cgw
