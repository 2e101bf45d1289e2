#include "cgwarden/sensor/sample.h"

#include <spdlog/spdlog.h>
#include <time.h>

#include "cgwarden/sensor/cpu_sensor.h"

namespace cgw {

uint64_t monotonic_now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

Result<Sample> take_sample(CpuSensor &sensor, const CgroupLayout &layout, CgroupTree &cpu_tree) {
    Sample sample;
    sample.monotonic_ns = monotonic_now_ns();
    auto counters = sensor.read();
    if (!counters)
        return counters.error().context("sampling the CPU sensor");
    sample.cpu = std::move(counters).value();
    cpu_tree.refresh();
    // Slots only make the programs cheaper: a failure costs speed, not the
    // sample, and the next pass tries again.
    if (Status slots = sensor.update_slots(cpu_tree); !slots)
        spdlog::warn("updating the CPU stats slots: {}", slots.error().message);
    for (const auto &[id, path] : cpu_tree.paths_by_id()) {
        // A cgroup removed since the rescan has no cpu.stat: it is simply absent.
        if (auto stat = read_cpu_stat(layout, path))
            sample.cpu_stat[id] = *stat;
        if (auto psi = read_cpu_pressure(layout, path))
            sample.cpu_psi[id] = *psi;
        if (auto memory = read_memory_use(layout, path))
            sample.memory[id] = *memory;
    }
    return sample;
}

}  // namespace cgw
