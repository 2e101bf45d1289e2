// The enforcer's decision step: a pure, deterministic function of what was
// measured, the policy and the controller's own state. No I/O, no clock: the
// daemon passes the time in, so recorded inputs replay exactly.
#pragma once

#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cgwarden/policy/policy.h"

namespace cgw {

// CPU cgroup v2 "max" (no quota) in policy units.
inline constexpr double kUnlimited = std::numeric_limits<double>::infinity();

struct Antagonist {
    // Empty for the rest of the evidence, summed (CgroupInput::cpu_antagonists).
    std::string path;
    // How much of the victim's trouble it caused in the interval: delay its
    // tasks or requests caused (CPU, IO), or bytes/s it sent out (network).
    double weight = 0;
};

// One heartbeat flow in one interval, with the cgroup the policy says sends it.
struct HeartbeatInput {
    std::string flow;
    std::string sender;
    uint64_t sent = 0;
    uint64_t dropped = 0;
    uint64_t qdisc_drops = 0;  // of them, by a queueing discipline: egress congestion
    double max_gap_s = 0;
};

// One cgroup's block IO on one device in one interval.
struct DeviceIoInput {
    double latency_p50_s = 0;  // device latency (issue -> completion)
    double latency_p99_s = 0;
    uint64_t ops = 0;
    double bytes_per_s = 0;
    std::vector<Antagonist> queued_behind;  // requests ahead of its own, most delay first
};

// What the controller sees of one cgroup in one interval.
struct CgroupInput {
    std::optional<size_t> class_index;  // into Policy::classes
    double cpu_delay_p50_s = 0;
    double cpu_delay_p99_s = 0;
    uint64_t cpu_waits = 0;
    double cpu_usage = 0;  // CPUs it used over the interval (cpu.stat usage / window)
    // CPUs' worth of time its tasks waited on run queues (run-queue delay /
    // window): with cpu_usage, what it wanted, which a starved cgroup still does.
    double cpu_waiting = 0;
    // Time its tasks spent runnable while its own CFS quota throttled them,
    // summed over its tasks (not part of cpu_delay).
    double cpu_throttled_s = 0;
    // Who held the CPU while it waited, most delay first; itself among them
    // when its own tasks took turns. The first kNamedAntagonists by path,
    // the rest in one last entry with no path: only they can have the share
    // to be acted on, and a busy node's victims have dozens each.
    std::vector<Antagonist> cpu_antagonists;
    std::map<std::string, DeviceIoInput> io_devices;  // by "MAJ:MIN"
    double tx_bytes_per_s = 0;                        // network egress, offered
    // Of that, what its packets dropped in a queueing discipline did not
    // take: what the links carried. A flood offers far more than that.
    double tx_passed_bytes_per_s = 0;
    // memory.current, and the share of the interval its tasks stalled
    // waiting for memory; absent where cgroup2 does not hold memory.
    double memory_bytes = 0;
    std::optional<double> memory_stall;
    // Current values of the knobs its class bounds, in policy units (not
    // grants); a per-device knob once per device the cgroup did IO on.
    std::map<KnobSlot, double> knobs;
};

struct ControllerInput {
    Duration now{};
    // What the signals were measured over, ending at `now`: a window that
    // began before a knob's last move does not show that move's effect.
    Duration window{};
    // Share of the node's CPU capacity in use over the interval, 0..1:
    // below kHeadroomBusyFraction lowered knobs relax fully (work conserving).
    double cpu_busy_fraction = 0;
    // CPUs of the node: an unlimited cpu_max steps down from this many.
    double cpus = 1;
    std::map<std::string, CgroupInput> cgroups;  // by path
    std::vector<HeartbeatInput> heartbeats;      // flows with a declared sender
    // Knobs someone else changed since cgwarden wrote them: cgwarden adopts
    // the new value as the original and stops touching them for a while.
    std::set<KnobTarget> changed_externally;
    // Disks ("MAJ:MIN") whose IO scheduling does not read io_weight (no
    // io.cost, no BFQ): an IO breach there starts its ladder at io_max.
    std::set<std::string> io_weight_ignored_on;
};

struct Evidence {
    std::string victim;
    std::string slo;               // e.g. "cpu_delay_p99"
    std::string device;            // of an IO breach
    std::string flow;              // of a heartbeat breach
    double observed = 0;           // e.g. the victim's p99 in seconds
    double target = 0;             // the SLO
    double antagonist_weight = 0;  // as in Antagonist
    double antagonist_share = 0;   // of the delay attributed to antagonists
};

// What the knob grants goes down (a breach) or back up.
enum class Direction { Down, Up };

// Why a knob moved:
//   slo-breach       a victim breached and the knob's cgroup caused it (Down)
//   no-effect        its steps for a victim did not improve it: undone (Up)
//   probe            the victim held: halfway back toward where it breached (Up)
//   recovered        the victim held and no breach is known above: one step up
//   headroom         idle CPUs: every lowered CPU knob back to its original
//   antagonist-idle  its cgroup stopped doing what it was blamed for
//   victim-idle      no victim it was lowered for is active any more
struct Decision {
    std::string cgroup;
    Knob knob = Knob::CpuWeight;
    double old_value = 0;  // policy units (cpu_idle: 0 or 1), not grants
    double new_value = 0;
    Direction direction = Direction::Down;
    std::string rule;
    std::optional<Evidence> evidence;  // for slo-breach and no-effect
    std::string device;                // of a per-device knob (KnobSlot)

    KnobTarget target() const { return {cgroup, knob, device}; }
};

struct Breach {
    std::string cgroup;
    std::string slo;
    double observed = 0;
    double target = 0;
    std::string device;  // "MAJ:MIN" of an io_latency_p99 breach
    std::string flow;    // of a heartbeat_drops or heartbeat_gap breach
    // Set when the trouble is its own: "throttled by its own cpu.max ...",
    // "its own tasks ...". No neighbour is stepped down for such a breach.
    std::string own_cause;
};

inline constexpr Duration kLongAgo{std::numeric_limits<Duration::rep>::min() / 2};

// The knob's steps for one victim, judged when that victim is next judged.
struct StepTrial {
    std::string victim;
    std::string slo;
    std::string device;  // of the breach, as in Breach
    std::string flow;
    // The victim's signal with the knob at its original: when the trial's
    // first step left it, or when an earlier trial's did (a knob lowered
    // before that is breached at again is judged by all it does).
    double baseline = 0;
    int steps = 0;
};

// Per knob cgwarden has moved. Values are grants (grant_of): larger gives
// the cgroup more, whatever the knob.
struct KnobState {
    double original = 0;  // before cgwarden's first move
    // Above this the knob limits nothing: where its first step down started
    // (an unlimited cpu_max: the CPU count; an unlimited io_max: the
    // cgroup's throughput then). Stepping back up past it restores the original.
    double limits_nothing_above = kUnlimited;
    Duration last_move = kLongAgo;
    // Moves outside a search for the boundary, within the flap window.
    std::deque<std::pair<Duration, Direction>> moves;
    std::optional<Duration> held_until;       // left alone (an external change)
    std::optional<Duration> held_down_until;  // not given back (it flapped)
    // Last time a breach named the cgroup as an antagonist (even when the knob
    // could not move): it goes back up only once that is hold_down ago.
    Duration last_blamed = kLongAgo;
    // The boundary lies between these: the lowest grant a victim breached
    // at, the highest it held at.
    std::optional<double> breached_at;
    std::optional<double> held_at;
    bool probing = false;  // its last move was a probe up
    // Intervals in a row a victim breached with the knob at its floor, and
    // the last one's time.
    int breaches_at_floor = 0;
    Duration breached_at_floor_on = kLongAgo;
    std::optional<StepTrial> trial;
    // Its trial that left the original made the victim healthy: a cap that
    // did so once is not undone when a later breach finds it at its floor
    // (the victim's noise, or a heavier antagonist: the cap still helps).
    bool made_healthy = false;
    // The baseline of its trial that left the original, for later trials.
    std::optional<double> trial_baseline;
    // What the cgroup was doing (CPUs, bytes/s) when last blamed: far less
    // now means it stopped, and the knob goes back to its original.
    double activity_when_blamed = 0;
    std::set<std::string> victims;  // it was lowered for
};

struct VictimState {
    std::optional<Duration> breach_since;
    std::optional<Duration> healthy_since;
    // Knobs its breaches named as antagonists since it last breached: they
    // stay blamed through intervals that cannot judge it (too few waits or
    // requests for a p99: a starved victim runs little), up to kUnjudgedLimit.
    std::set<KnobTarget> blamed;
    Duration last_breach{};
    Duration last_judged{};  // last interval that had enough samples to judge it
};

// A knob of an antagonist that did not help a victim.
struct IneffectiveKey {
    std::string victim;
    KnobTarget knob;
    auto operator<=>(const IneffectiveKey &) const = default;
};

struct ControllerState {
    std::map<KnobTarget, KnobState> knobs;
    std::map<std::string, VictimState> victims;
    // Not used again for that victim until then.
    std::map<IneffectiveKey, Duration> ineffective;
};

struct ControllerOutput {
    std::vector<Decision> decisions;
    std::vector<Breach> breaches;
    std::vector<std::string> notices;  // held knobs, adopted changes, steps that did not help
    std::vector<std::string> effects;  // steps that helped, judged
    ControllerState state;
    // A knob waits for a window that starts after this pass: an unlimited
    // rate's first step is taken from the antagonist's rate over a window it
    // was active throughout. The sooner the next pass, the sooner the step.
    bool measure_soon = false;
};

// Below this busy fraction the node has headroom: lowered knobs go straight
// back to their originals once no breach has blamed them for the hold-down.
inline constexpr double kHeadroomBusyFraction = 0.6;
// A p99 of fewer waits (or IO requests) than this is noise: the interval
// does not judge the victim, which keeps its last verdict...
inline constexpr uint64_t kMinWaitsForP99 = 20;
// ...unless it had at least this many and their median is over the p99
// target already: a victim starved to a few requests an interval (a reader
// behind a hog's queue) is breaching, not noise. Were its p99 within the
// target, half of its samples over it would happen by chance with odds
// under 1 in 10^5 (binomial, 3 of 5 past a 1% tail).
inline constexpr uint64_t kMinWaitsForMedian = 5;
// How long a breaching victim that cannot be judged keeps its antagonists
// blamed; then it counts as healthy (it may be idle, or gone quiet for good).
inline constexpr Duration kUnjudgedLimit = std::chrono::seconds(60);
// An antagonist must have caused at least this share of the victim's delay.
inline constexpr double kMinAntagonistShare = 0.10;
// No more antagonists than this can each have that share.
inline constexpr size_t kNamedAntagonists = 10;
static_assert(kNamedAntagonists * kMinAntagonistShare >= 1.0);

// The weights of all the evidence against a victim: an antagonist's share
// is its weight over this.
double attributed_weight(const std::vector<Antagonist> &evidence);
// Whether an antagonist of `weight` caused enough of the `attributed` whole
// to be turned down for it (kMinAntagonistShare).
inline bool large_enough_share(double weight, double attributed) {
    return attributed > 0 && weight / attributed >= kMinAntagonistShare;
}
// A victim whose own tasks caused at least this share of its run-queue
// delay is its own trouble.
inline constexpr double kOwnTasksShare = 0.5;
// A knob's steps help when the victim's signal falls by at least this share
// of what it was before them; at the knob's floor without that, they are
// undone and the knob is not used for that victim for kIneffectiveFor.
inline constexpr double kMinImprovement = 0.2;
// A rung at its floor holds the ladder while the victim breaches for up to
// this many intervals: one noisy interval does not bring on a stronger knob.
inline constexpr int kEscalateAfter = 1;
inline constexpr Duration kIneffectiveFor = std::chrono::minutes(10);
// An antagonist doing less than this share of what it did when blamed has
// stopped.
inline constexpr double kStoppedShare = 0.1;
// A settled boundary is tried again (one step up) after this many
// hold-downs without a breach: the antagonist may have changed.
inline constexpr int kSettledHoldDowns = 5;

// The cgroup's class, or null when it has none.
const ClassPolicy *class_of(const Policy &policy, const CgroupInput &cg);

ControllerOutput decide(const ControllerInput &input, const Policy &policy,
                        const ControllerState &state);

}  // namespace cgw
