// Loads bpf/net.bpf.c, attaches it (cgroup_skb on the cgroup2 root, the drop
// and retransmit tracepoints), declares the heartbeat flows, reads the maps,
// delivers ring-buffer events and sets egress token buckets.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/common/result.h"
#include "cgwarden/policy/policy.h"
#include "cgwarden/sensor/cpu_counters.h"
#include "cgwarden/sensor/net_counters.h"

namespace cgw {

// A heartbeat gap longer than the flow's interval times this is an event.
inline constexpr double kHeartbeatGapFactor = 2.0;

struct NetSensorOptions {
    std::vector<HeartbeatFlow> flows;
    std::optional<AttachMode> force;  // tracepoint flavour; probed when empty
    // false: load only, attach nothing (to run the programs on crafted
    // packets with BPF_PROG_TEST_RUN, untouched by the node's traffic).
    bool attach = true;
};

class NetSensor {
  public:
    // Fails only when nothing can be loaded; a hook this kernel lacks or
    // refuses disables its signal alone and is listed in degraded().
    static Result<std::unique_ptr<NetSensor>> open(const KernelFeatures &features,
                                                   const CgroupLayout &layout,
                                                   NetSensorOptions options);
    ~NetSensor();
    NetSensor(const NetSensor &) = delete;
    NetSensor &operator=(const NetSensor &) = delete;

    AttachMode attach_mode() const;
    const std::vector<HeartbeatFlow> &flows() const;
    // One line per signal that is not measured here, and why.
    const std::vector<std::string> &degraded() const;

    // Reading starts a new window for the flows' longest gap.
    Result<NetCounters> read();

    // Points each flow declared with a sender cgroup at that cgroup's id in
    // `cgroup2` now: a sender that restarts gets a new cgroup (a new id)
    // under the same path, and one missing at start may appear later.
    // Called every pass; a change is logged.
    Status follow_senders(const NetCgroupTree &cgroup2);
    std::vector<ProgramStats> program_stats() const;

    // Ring buffer: events go to the handler from consume_events/poll_events.
    void on_event(std::function<void(const NetEvent &)> handler);
    int event_fd() const;  // for EventLoop::watch
    Result<int> consume_events();
    Result<int> poll_events(std::chrono::milliseconds timeout);

    // Egress token bucket of a cgroup2 cgroup: over the rate (bytes/s, with
    // bursts up to burst_bytes) its packets are dropped in cgroup_skb/egress.
    // Setting refills the bucket; clearing removes the limit.
    Status set_egress_rate(NetCgroupId cgroup, uint64_t bytes_per_s, uint64_t burst_bytes);
    Status clear_egress_rate(NetCgroupId cgroup);

    // The fd of a loaded program by name (skb_egress, skb_ingress, ...), for
    // BPF_PROG_TEST_RUN; -1 when not loaded.
    int program_fd(std::string_view name) const;

    // Defined in net_sensor.cc: keeps the skeleton out of this header.
    struct Impl;

  private:
    explicit NetSensor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cgw
