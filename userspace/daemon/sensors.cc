#include "cgwarden/daemon/sensors.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace cgw {

namespace {

// A request slower than the strictest IO SLO brings the next pass forward
// (the daemon's on_io_outlier), so a breach is acted on within a fraction
// of the interval; without an IO SLO the sensor's default threshold.
IoSensorOptions io_options(const Policy &policy) {
    IoSensorOptions options;
    for (const ClassPolicy &cls : policy.classes)
        if (cls.slo.io_latency_p99)
            options.outlier_threshold_ns = std::min<uint64_t>(
                options.outlier_threshold_ns,
                std::chrono::duration_cast<std::chrono::nanoseconds>(*cls.slo.io_latency_p99)
                    .count());
    return options;
}

void open_io(Sensors &sensors, const KernelFeatures &features, const CgroupLayout &layout,
             const Policy &policy, std::optional<AttachMode> force) {
    IoAttribution attribution = io_attribution(features);
    auto mount = io_cgroup_mount(layout, attribution);
    if (!mount) {
        spdlog::warn(
            "IO is not measured: no mounted cgroup hierarchy holds the blkio/io "
            "controller");
        return;
    }
    auto io = IoSensor::open(features, io_options(policy), force);
    if (!io) {
        spdlog::warn("IO is not measured: {}", io.error().message);
        return;
    }
    spdlog::info("IO is charged by {}", to_string(attribution));
    sensors.io = std::move(io).value();
    sensors.io_mount = mount;
}

void open_net(Sensors &sensors, const KernelFeatures &features, const CgroupLayout &layout,
              const Policy &policy, std::optional<AttachMode> force) {
    if (!layout.unified) {
        spdlog::warn(
            "network is not measured: no cgroup2 hierarchy is mounted (cgroup_skb "
            "programs attach to cgroup2)");
        return;
    }
    auto net = NetSensor::open(features, layout, {policy.heartbeats, force, true});
    if (!net) {
        spdlog::warn("network is not measured: {}", net.error().message);
        return;
    }
    for (const std::string &line : (*net)->degraded())
        spdlog::warn("network: {}", line);
    sensors.net = std::move(net).value();
}

}  // namespace

Result<Sensors> open_sensors(const KernelFeatures &features, const CgroupLayout &layout,
                             const Policy &policy, std::optional<AttachMode> force) {
    Sensors sensors;
    if (auto watch = CgroupWatch::open(features, force))
        sensors.cgroups = std::move(watch).value();
    else
        spdlog::warn("cgroups made and removed are not followed ({}): every pass walks cgroupfs",
                     watch.error().message);
    auto cpu = CpuSensor::open(features, CpuCgroupTree(layout.cpu_ids_mount()), force);
    if (!cpu)
        return cpu.error().context("starting the CPU sensor");
    sensors.cpu = std::move(cpu).value();
    open_io(sensors, features, layout, policy, force);
    open_net(sensors, features, layout, policy, force);
    return sensors;
}

}  // namespace cgw
