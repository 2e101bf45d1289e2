#include "contention_scenario.h"

#include <stdexcept>
#include <thread>

namespace cgw::test {

std::map<KnobSlot, double> RecordingActuator::read(const std::string &path, const ClassPolicy &cls,
                                                   const std::vector<std::string> &) {
    std::map<KnobSlot, double> values;
    for (const auto &[knob, bounds] : cls.knobs) {
        KnobTarget target{path, knob};
        values[knob] = current_.count(target) ? current_[target] : 100;
    }
    return values;
}

Status RecordingActuator::apply(const Decision &d) {
    applied_.push_back(d);
    current_[d.target()] = d.new_value;
    return {};
}

namespace {

CgroupLayout cleaned_layout() {
    auto layout = detect_cgroup_layout();
    if (!layout)
        throw std::runtime_error(layout.error().message);
    remove_stale_test_cgroups(*layout);
    return std::move(layout).value();
}

}  // namespace

ContentionScenario::ContentionScenario()
    : layout(cleaned_layout()), hog(layout, "daemon-hog"), victim(layout, "daemon-victim") {
    using namespace std::chrono_literals;
    // Victim and hog share CPU 0, the victim at a quarter of the hog's
    // weight: it breaches its SLO every interval (p99 of milliseconds) while
    // still waking ~1000 times a second, and the hog, not other work on the
    // node (a VM's emulated IO, the root cgroup), is what it waits behind.
    // Unpinned at equal weights its p99 ranged from 30 us to 1 ms.
    victim.set_cpu_weight(25);
    hog.spawn({"taskset", "-c", "0", "stress-ng", "--cpu", "2", "--timeout", "120s", "--quiet"});
    victim.spawn(
        {"taskset", "-c", "0", tool_path("wakeloop"), "--sleep-us", "1000", "--work-us", "500"});

    policy.mode = Mode::Enforce;
    ClassPolicy critical;
    critical.name = "critical";
    critical.priority = 100;
    critical.slo.cpu_delay_p99 = kVictimSlo;
    ClassPolicy best_effort;
    best_effort.name = "best-effort";
    best_effort.knobs[Knob::CpuWeight] = {
        .floor = 10, .ceiling = 100, .step = 30, .hold_down = 10s, .cooldown = 0s};
    policy.classes = {critical, best_effort};
    classify = [victim = victim.path(), hog = hog.path()](const std::string &path) {
        std::optional<size_t> cls;
        if (path == victim)
            cls = 0;
        else if (path == hog)
            cls = 1;
        return cls;
    };
}

std::unique_ptr<Daemon> ContentionScenario::daemon(std::vector<Decision> &applied) const {
    Sensors sensors;
    auto cpu = CpuSensor::open(probe_kernel_features(), CpuCgroupTree(layout.cpu_ids_mount()));
    if (!cpu)
        throw std::runtime_error(cpu.error().message);
    sensors.cpu = std::move(cpu).value();
    return daemon(applied, std::move(sensors));
}

std::unique_ptr<Daemon> ContentionScenario::daemon(std::vector<Decision> &applied,
                                                   Sensors sensors) const {
    return std::make_unique<Daemon>(policy, layout, classify, std::move(sensors),
                                    std::make_unique<RecordingActuator>(applied),
                                    std::thread::hardware_concurrency());
}

}  // namespace cgw::test
