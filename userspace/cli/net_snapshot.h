// The network part of `cgwarden snapshot`: --heartbeat flags, the network
// sensor and its two readings. Optional by design: where the kernel or the
// node cannot measure the network, the snapshot reports CPU and says why.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/cgroup/tree.h"
#include "cgwarden/policy/policy.h"
#include "cgwarden/sensor/net_sensor.h"
#include "cgwarden/snapshot/report.h"

namespace cgw::cli {

// Parses every --heartbeat value; a bad one is a usage error (exit 2).
std::vector<HeartbeatFlow> parse_heartbeat_flags(const std::vector<std::string> &flags);

class NetSnapshot {
  public:
    // nullptr, with a warning, when no network sensor can run here.
    static std::unique_ptr<NetSnapshot> start(const KernelFeatures &features,
                                              const CgroupLayout &layout,
                                              std::vector<HeartbeatFlow> flows,
                                              std::optional<AttachMode> force);

    // The window's first reading.
    void begin();
    // The last reading: the window's figures. The tree is brought up to
    // date, for the cgroups made in the window.
    NetSignals end();
    const NetCgroupTree &tree() const { return tree_; }
    // The network part of the report, from the model of the window's signals.
    void add_to(SnapshotReport &report, const PassModel &model, const CpuCgroupTree &cpu_tree,
                const std::vector<std::string> &only) const;

  private:
    NetSnapshot(std::unique_ptr<NetSensor> sensor, NetCgroupTree tree)
        : sensor_(std::move(sensor)), tree_(std::move(tree)) {}

    std::unique_ptr<NetSensor> sensor_;
    NetCgroupTree tree_;  // cgroup2, where sockets and their traffic belong
    NetCounters before_;
};

}  // namespace cgw::cli
