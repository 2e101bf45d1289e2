// The policy file, parsed and validated: global settings, heartbeat flows and
// classes of cgroups with their SLOs and knob bounds. Plain data; parsing is
// in policy/parse.h, matching a cgroup to a class in policy/classify.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw {

using Duration = std::chrono::nanoseconds;

// enforce: decide and write; dry-run: decide and record, write nothing;
// monitor: measure and export only, no decisions.
enum class Mode { Enforce, DryRun, Monitor };

// The knobs the controller turns, independent of the cgroup version. Values
// are in the knob's policy unit:
//   CpuWeight     v2 cpu.weight scale, 1..10000 (v1 cpu.shares = weight * 1024 / 100)
//   CpuIdle       0 or 1 (cpu.idle, v1 and v2 since 5.15): 1 schedules the whole group
//                 as SCHED_IDLE: it runs only when nothing else wants the CPU, and
//                 keeps its throughput on a node with idle time. The kernel sets the
//                 group's weight to its minimum while it is 1 and to the default when
//                 it goes back to 0 (writes to the weight fail in between).
//   CpuMax        CPUs, e.g. 0.5 (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us)
//   IoWeight      1..10000 (v2 io.weight, v1 blkio.bfq.weight 1..1000 scaled)
//   IoMax         bytes per second per device (v2 io.max rbps/wbps, v1 blkio.throttle.*_bps_device)
//   MemoryHigh    bytes (v2 memory.high; v1 has no equivalent: memory.soft_limit_in_bytes)
//   NetEgressRate bytes per second (the egress token bucket in bpf/net.bpf.c)
enum class Knob { CpuWeight, CpuIdle, CpuMax, IoWeight, IoMax, MemoryHigh, NetEgressRate };

const char *to_string(Knob knob);
const char *to_string(Mode mode);

// A knob of some cgroup. `device` ("MAJ:MIN") names the block device of a
// per-device knob: io_max (which device to limit) and io_weight on cgroup v1
// (blkio.bfq.weight only works where the device uses BFQ); empty otherwise.
struct KnobSlot {
    KnobSlot(Knob k = Knob::CpuWeight, std::string dev = {})  // NOLINT: a knob is a slot
        : knob(k), device(std::move(dev)) {}
    Knob knob;
    std::string device;
    auto operator<=>(const KnobSlot &) const = default;
};

// A knob of one cgroup, by path relative to the hierarchy root ("/batch/job1").
struct KnobTarget {
    KnobTarget(std::string cg = {}, Knob k = Knob::CpuWeight, std::string dev = {})
        : cgroup(std::move(cg)), knob(k), device(std::move(dev)) {}
    std::string cgroup;
    Knob knob;
    std::string device;  // as in KnobSlot
    KnobSlot slot() const { return {knob, device}; }
    auto operator<=>(const KnobTarget &) const = default;
};

// What the knob grants its cgroup, on a scale where larger is more: the
// value itself, but 1 - cpu.idle for cpu_idle. The controller moves every
// knob on this scale (down restricts, up gives back); the function is its
// own inverse.
inline double grant_of(Knob knob, double value) {
    return knob == Knob::CpuIdle ? 1 - value : value;
}

// The knob's name in the policy file ("cpu_weight", ...), the inverse of to_string.
std::optional<Knob> knob_from_string(std::string_view name);
// "enforce", "dry-run", "monitor": the inverse of to_string.
std::optional<Mode> mode_from_string(std::string_view name);

// How far and how fast the controller may move one knob of one class, on
// the knob's grant scale (grant_of): cpu_idle's are fixed, floor 0 (idle),
// ceiling 1, step 1.
struct KnobBounds {
    double floor = 0;      // never stepped below (like a Kubernetes request)
    double ceiling = 0;    // never exceeded; where the knob relaxes back to (like a limit);
                           // +infinity ("max" in the file) means unlimited for limit knobs
    double step = 0;       // at most this much per move without evidence, and how close
                           // the search for the boundary gets (policy unit)
    Duration hold_down{};  // victim healthy this long before stepping back up
    Duration cooldown{};   // minimum time between two moves of this knob
};

// Service levels of a protected class; an absent field is not watched.
struct Slo {
    std::optional<Duration> cpu_delay_p99;
    std::optional<Duration> io_latency_p99;
    std::optional<uint64_t> heartbeat_drops;  // per interval
    std::optional<Duration> heartbeat_gap;
    // Share of the interval some of its tasks stalled waiting for memory
    // (reclaim, refaults: PSI memory "some"), 0..1; needs cgroup v2 memory.
    std::optional<double> memory_stall;

    // A class with any SLO is protected: it has a service level to keep.
    bool any() const {
        return cpu_delay_p99 || io_latency_p99 || heartbeat_drops || heartbeat_gap || memory_stall;
    }
};

enum class QosClass { Guaranteed, Burstable, BestEffort };

const char *to_string(QosClass qos);  // "guaranteed", "burstable", "besteffort"

// A cgroup belongs to a class when any rule of it matches.
struct MatchRule {
    std::vector<std::string> path_globs;     // e.g. "/system.slice/kubelet.service", "/batch/*"
    std::vector<std::string> systemd_units;  // e.g. "kubelet.service"
    std::vector<QosClass> k8s_qos;           // from kubepods paths (systemd and cgroupfs drivers)
    std::vector<std::string> pod_uids;
};

struct ClassPolicy {
    std::string name;
    int priority = 0;  // higher is more protected; only lower classes are stepped down
    MatchRule match;
    Slo slo;
    std::map<Knob, KnobBounds> knobs;
};

struct HeartbeatFlow {
    std::string name;
    std::string proto;  // "udp" | "tcp"
    uint16_t port = 0;
    std::optional<Duration> interval;
    std::optional<std::string> cgroup;  // sender's cgroup path, when declared
};

// How many cgroups get per-cgroup metric series each pass, so that a node
// with 10,000 cgroups does not send 80,000 series a scrape. Every cgroup
// cgwarden holds a knob of has series whatever these say.
struct SeriesLimits {
    // Protected cgroups (their class has an SLO): the highest class first,
    // then the most contended of the interval.
    size_t protected_cgroups = 500;
    // Plus the most contended unprotected cgroups of the interval.
    size_t contended = 50;
};

// io.cost on one disk: the kernel's cgroup v2 IO controller that prices
// every request by a model of the disk and, to hold a latency target (QoS),
// slows the whole disk's issue rate and shares it by io.weight, so a hog
// cannot fill the queue a light reader waits behind. Both halves are node
// wide and only the operator knows the disk, so the policy gives them, in
// the kernel's own syntax (Documentation/admin-guide/cgroup-v2.rst), and
// cgwarden sets them while it enforces and puts the disk's own back on exit.
struct DiskIoCost {
    // io.cost.model's coefficients, all six: "rbps=N rseqiops=N rrandiops=N
    // wbps=N wseqiops=N wrandiops=N" (tools/cgroup/iocost_coef_gen.py
    // measures them).
    std::string model;
    // io.cost.qos's targets: "rpct=95 rlat=10000 wpct=95 wlat=10000 min=50
    // max=100" (percentiles, latencies in us, vrate bounds in %), any subset.
    std::string qos;
};

struct DiskPolicy {
    std::string device;  // as written: "vdb", "/dev/vdb" or "254:16"
    DiskIoCost io_cost;
};

struct Policy {
    Duration interval = std::chrono::seconds(1);
    Mode mode = Mode::Monitor;
    std::string state_dir = "/var/lib/cgwarden";
    std::string listen = "127.0.0.1:9477";
    SeriesLimits series;
    // A knob that reversed direction more than flap_limit times within
    // flap_window is held and reported.
    int flap_limit = 3;
    Duration flap_window = std::chrono::minutes(5);
    std::vector<HeartbeatFlow> heartbeats;
    std::vector<DiskPolicy> disks;
    std::vector<ClassPolicy> classes;  // in file order
    // The class of every cgroup that no class's rules match, by name.
    std::optional<std::string> default_class;
};

}  // namespace cgw
