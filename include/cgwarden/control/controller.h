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
    std::string path;
    // How much of the victim's trouble it caused in the interval: delay its
    // tasks or requests caused (CPU, IO), or bytes/s it sent out (network).
    double weight = 0;
};

// One heartbeat flow in one interval, with the cgroup the policy says sends it.
struct HeartbeatInput {
    std::string flow;
    std::string sender;
    uint64_t dropped = 0;
    uint64_t qdisc_drops = 0;  // of them, by a queueing discipline: egress congestion
    double max_gap_s = 0;
};

// One cgroup's block IO on one device in one interval.
struct DeviceIoInput {
    double latency_p99_s = 0;  // device latency (issue -> completion)
    uint64_t ops = 0;
    double bytes_per_s = 0;
    std::vector<Antagonist> queued_behind;  // requests ahead of its own, most delay first
};

// What the controller sees of one cgroup in one interval.
struct CgroupInput {
    std::optional<size_t> class_index;  // into Policy::classes
    double cpu_delay_p99_s = 0;
    uint64_t cpu_waits = 0;
    double cpu_usage = 0;  // CPUs it used over the interval (cpu.stat usage / window)
    std::vector<Antagonist> cpu_antagonists;          // most delay first
    std::map<std::string, DeviceIoInput> io_devices;  // by "MAJ:MIN"
    double tx_bytes_per_s = 0;                        // network egress, offered
    // Of that, what its packets dropped in a queueing discipline did not
    // take: what the links carried. A flood offers far more than that.
    double tx_passed_bytes_per_s = 0;
    // memory.current, and the share of the interval its tasks stalled
    // waiting for memory; absent where cgroup2 does not hold memory.
    double memory_bytes = 0;
    std::optional<double> memory_stall;
    // Current values of the knobs its class bounds, in policy units; a
    // per-device knob once per device the cgroup did IO on.
    std::map<KnobSlot, double> knobs;
};

struct ControllerInput {
    Duration now{};
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

enum class Direction { Down, Up };

struct Decision {
    std::string cgroup;
    Knob knob = Knob::CpuWeight;
    double old_value = 0;
    double new_value = 0;
    Direction direction = Direction::Down;
    std::string rule;                  // "slo-breach", "recovered", "headroom"
    std::optional<Evidence> evidence;  // for steps down
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
};

// Per knob cgwarden has moved.
struct KnobState {
    double original = 0;  // value before cgwarden's first move
    // Above this the knob limits nothing: where its first step down started
    // (an unlimited cpu_max: the CPU count; an unlimited io_max: the
    // cgroup's throughput then). Stepping back up past it restores the original.
    double limits_nothing_above = kUnlimited;
    Duration last_move{std::numeric_limits<Duration::rep>::min() / 2};
    std::deque<std::pair<Duration, Direction>> moves;  // within the flap window
    std::optional<Duration> held_until;
    // Last time a breach named the cgroup as an antagonist (even when the knob
    // could not move): it goes back up only once that is hold_down ago.
    Duration last_blamed{std::numeric_limits<Duration::rep>::min() / 2};
};

struct VictimState {
    std::optional<Duration> breach_since;
    std::optional<Duration> healthy_since;
    // Knobs its breaches named as antagonists since it last breached: they
    // stay blamed through intervals that cannot judge it (too few waits or
    // requests for a p99: a starved victim runs little), up to kUnjudgedLimit.
    std::set<KnobTarget> blamed;
    Duration last_breach{};
};

struct ControllerState {
    std::map<KnobTarget, KnobState> knobs;
    std::map<std::string, VictimState> victims;
};

struct ControllerOutput {
    std::vector<Decision> decisions;
    std::vector<Breach> breaches;
    std::vector<std::string> notices;  // held knobs, adopted changes
    ControllerState state;
};

// Below this busy fraction the node has headroom: lowered knobs go straight
// back to their originals once no breach has blamed them for the hold-down.
inline constexpr double kHeadroomBusyFraction = 0.6;
// A p99 of fewer waits (or IO requests) than this is noise: the interval
// does not judge the victim, which keeps its last verdict.
inline constexpr uint64_t kMinWaitsForP99 = 20;
// How long a breaching victim that cannot be judged keeps its antagonists
// blamed; then it counts as healthy (it may be idle, or gone quiet for good).
inline constexpr Duration kUnjudgedLimit = std::chrono::seconds(60);
// An antagonist must have caused at least this share of the victim's delay.
inline constexpr double kMinAntagonistShare = 0.10;

ControllerOutput decide(const ControllerInput &input, const Policy &policy,
                        const ControllerState &state);

}  // namespace cgw
