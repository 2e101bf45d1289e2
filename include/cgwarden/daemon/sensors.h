// The sensors the control loop reads. CPU is required; IO and network are
// optional: a node or kernel without them loses that signal alone, said once
// at start-up, and the loop keeps acting on the others.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/common/result.h"
#include "cgwarden/policy/policy.h"
#include "cgwarden/sensor/cgroup_watch.h"
#include "cgwarden/sensor/cpu_sensor.h"
#include "cgwarden/sensor/io_sensor.h"
#include "cgwarden/sensor/net_sensor.h"

namespace cgw {

struct Sensors {
    std::unique_ptr<CpuSensor> cpu;
    std::unique_ptr<IoSensor> io;  // null: IO is not measured
    // The hierarchy whose ids the IO counters carry (blkio on hybrid nodes).
    std::optional<std::filesystem::path> io_mount;
    std::unique_ptr<NetSensor> net;  // null: network is not measured (ids are cgroup2's)
    // Cgroups made and removed; null: the trees walk cgroupfs every pass.
    // Opened first, so no cgroup made while the daemon starts is missed.
    std::unique_ptr<CgroupWatch> cgroups;
};

// Opens every sensor the node supports; fails only when the CPU sensor cannot
// run. `force` picks the tracepoint flavour of all three.
Result<Sensors> open_sensors(const KernelFeatures &features, const CgroupLayout &layout,
                             const Policy &policy, std::optional<AttachMode> force);

}  // namespace cgw
