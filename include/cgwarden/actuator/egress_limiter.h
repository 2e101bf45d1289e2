// The net_egress_rate knob: a cgroup's egress token bucket in the network
// sensor's BPF map (bpf/net.bpf.c drops its packets over the rate). Nothing
// is journaled: the limit lives in a map of this process and goes with it
// when its programs detach, so a crash cannot leave it behind.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "cgwarden/cgroup/tree.h"
#include "cgwarden/common/result.h"
#include "cgwarden/sensor/net_sensor.h"

namespace cgw {

class EgressLimiter {
  public:
    // `cgroup2` is the mount whose ids the network programs see.
    EgressLimiter(NetSensor &sensor, std::filesystem::path cgroup2)
        : sensor_(sensor), tree_(std::move(cgroup2)) {}

    // Bytes per second, +infinity when the cgroup is not limited.
    double rate(const std::string &cgroup) const;
    // +infinity removes the limit.
    Status set_rate(const std::string &cgroup, double bytes_per_s);
    Status clear_all();

  private:
    NetSensor &sensor_;
    NetCgroupTree tree_;
    std::map<std::string, double> limited_;  // by path
};

}  // namespace cgw
