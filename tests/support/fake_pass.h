// A control loop pass made up in memory, for the exporter's unit tests and
// bench: a critical victim, a best-effort hog that preempts it, and `idle`
// cgroups with a little contention and a few waits each.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "cgwarden/daemon/daemon.h"

namespace cgw::test {

class FakePass {
  public:
    static constexpr uint64_t kRoot = 1;
    static constexpr uint64_t kVictim = 10;
    static constexpr uint64_t kHog = 11;

    explicit FakePass(size_t idle = 0) {
        using namespace std::chrono_literals;
        ClassPolicy critical;
        critical.name = "critical";
        critical.priority = 100;
        critical.slo.cpu_delay_p99 = 200us;
        ClassPolicy best_effort;
        best_effort.name = "best-effort";
        best_effort.knobs[Knob::CpuWeight] = {.floor = 10, .ceiling = 100, .step = 30};
        policy.classes = {critical, best_effort};
        classify = [](const std::string &path) -> std::optional<size_t> {
            if (path == "/system.slice/agent.service")
                return 0;
            if (path.starts_with("/batch"))
                return 1;
            return std::nullopt;
        };
        add_cgroup(kRoot, "/", 0);
        add_cgroup(kVictim, "/system.slice/agent.service", 0.05);
        add_cgroup(kHog, "/batch/hog", 0.001);
        for (uint64_t i = 0; i < idle; ++i) {
            add_cgroup(100 + i, "/idle/" + std::to_string(i), 1e-6 * static_cast<double>(i + 1));
            uint64_t waits[LatencyHistogram::kBuckets] = {};
            waits[cgw_hist_bucket(1'000 * (i + 1))] = 2;
            sample.cpu.by_cgroup[100 + i].runq_hist.add(waits);
            sample.cpu.by_cgroup[100 + i].runq_delay_ns = 2'000 * (i + 1);
            sample.cpu.preempt[{100 + i, kHog}] = {.delay_ns = 1'000 * (i + 1), .count = 1};
            signals.by_cgroup[100 + i].preempted_by = {{kHog, 1e-6, 1}};
        }

        CgroupCpuCounters &victim = sample.cpu.by_cgroup[kVictim];
        victim.runq_delay_ns = 3'000'000;
        victim.runq_events = 3;
        uint64_t counts[LatencyHistogram::kBuckets] = {};
        counts[cgw_hist_bucket(500)] = 1;        // 0.5 µs
        counts[cgw_hist_bucket(400'000)] = 1;    // 400 µs
        counts[cgw_hist_bucket(2'599'500)] = 1;  // 2.6 ms
        victim.runq_hist.add(counts);
        sample.cpu_stat[kHog] = {
            .usage_ns = 9'000'000'000, .nr_throttled = 7, .throttled_ns = 1'500'000'000};
        sample.cpu.preempt[{kVictim, kHog}] = {.delay_ns = 2'000'000, .count = 2};
        sample.cpu.drops[CGW_CPU_DROP_PREEMPT_FULL] = 4;
        signals.by_cgroup[kVictim].preempted_by = {{kHog, 0.002, 2}};

        input.cgroups["/batch/hog"].knobs[Knob::CpuWeight] = 100;
        output.breaches.push_back({"/system.slice/agent.service", "cpu_delay_p99", 0.0026, 0.0002, "", ""});
        Decision step{"/batch/hog", Knob::CpuWeight, 100, 70, Direction::Down, "slo-breach", {}, ""};
        decisions.push_back({1, step, true, {}});
        output.state.knobs[{"/batch/hog", Knob::CpuWeight}].original = 100;
        programs.push_back({"btf_sched_switch", 1000, 2'000'000});
    }

    void add_cgroup(uint64_t id, const std::string &path, double runq_delay_s) {
        paths[id] = path;
        signals.by_cgroup[id].runq_delay_total_s = runq_delay_s;
        sample.cpu_stat[id] = {};
    }

    // The cgroup is gone: no path, no counters.
    void remove_cgroup(uint64_t id) {
        paths.erase(id);
        signals.by_cgroup.erase(id);
        sample.cpu_stat.erase(id);
        sample.cpu.by_cgroup.erase(id);
    }

    TickReport report() const {
        return {sample,
                signals,
                paths,
                policy,
                classify,
                input,
                output,
                decisions,
                programs,
                CgroupMode::Hybrid,
                AttachMode::TpBtf,
                std::chrono::milliseconds(3)};
    }

    Sample sample;
    CpuSignals signals;
    std::map<uint64_t, std::string> paths;
    Policy policy;
    Classifier classify;
    ControllerInput input;
    ControllerOutput output;
    std::vector<DecisionRecord> decisions;
    std::vector<ProgramStats> programs;
};

}  // namespace cgw::test
