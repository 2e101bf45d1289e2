#include "cgwarden/exporter/self_families.h"

#include <array>

namespace cgw {

namespace {

using prometheus::MetricType;

// Names of the cgw_cpu_drop indexes (cpu_abi.h).
constexpr std::array<const char *, CGW_CPU_DROP_COUNT> kCpuDropReasons = {
    "stats_map_full", "queued_map_full", "preempt_map_full"};

void add_bpf_programs(const TickReport &report, Families &out) {
    FamilyBuilder runs("cgwarden_bpf_program_runs_total",
                       "Runs of each cgwarden BPF program (kernel bpf_prog_info.run_cnt; counted "
                       "only while kernel.bpf_stats_enabled is 1).",
                       MetricType::Counter);
    FamilyBuilder time("cgwarden_bpf_program_run_seconds_total",
                       "CPU time spent in each cgwarden BPF program (kernel "
                       "bpf_prog_info.run_time_ns; counted only while kernel.bpf_stats_enabled is "
                       "1: sysctl, or the exporter's enable_bpf_stats option).",
                       MetricType::Counter);
    for (const ProgramStats &p : report.programs) {
        runs.add({{"program", p.name}}, static_cast<double>(p.run_count));
        time.add({{"program", p.name}}, static_cast<double>(p.run_time_ns) / 1e9);
    }
    out.push_back(std::move(runs).take());
    out.push_back(std::move(time).take());
}

void add_lost_events(const TickReport &report, Families &out) {
    FamilyBuilder lost("cgwarden_lost_events_total",
                       "Kernel events a cgwarden BPF program could not account, by sensor and "
                       "reason (a full map): data loss is never silent.",
                       MetricType::Counter);
    for (size_t i = 0; i < kCpuDropReasons.size(); ++i)
        lost.add({{"sensor", "cpu"}, {"reason", kCpuDropReasons[i]}},
                 static_cast<double>(report.sample.cpu.drops[i]));
    out.push_back(std::move(lost).take());
    // No sensor uses a ring buffer yet: both stay 0 until the notable-event
    // rings land, so dashboards and alerts are ready for them.
    FamilyBuilder events("cgwarden_ringbuf_events_total",
                         "Notable events received through BPF ring buffers.", MetricType::Counter);
    events.add({}, 0);
    out.push_back(std::move(events).take());
    FamilyBuilder dropped("cgwarden_ringbuf_lost_events_total",
                          "Notable events the kernel could not put into a full BPF ring buffer.",
                          MetricType::Counter);
    dropped.add({}, 0);
    out.push_back(std::move(dropped).take());
}

}  // namespace

void add_self_families(const TickReport &report, const BuildInfo &build, Families &out) {
    add_bpf_programs(report, out);
    add_lost_events(report, out);
    FamilyBuilder loop("cgwarden_loop_duration_seconds",
                       "Duration of the last control loop pass: sampling, signals, decisions "
                       "and cgroup writes.",
                       MetricType::Gauge);
    loop.add({}, std::chrono::duration<double>(report.loop_duration).count());
    out.push_back(std::move(loop).take());
    FamilyBuilder info("cgwarden_build_info",
                       "Always 1: the running cgwarden's version, kernel, cgroup layout and BPF "
                       "attach flavour.",
                       MetricType::Gauge);
    info.add({{"version", build.version},
              {"kernel", build.kernel},
              {"cgroup_mode", std::string(to_string(report.cgroup_mode))},
              {"attach_mode", std::string(to_string(report.attach_mode))}},
             1);
    out.push_back(std::move(info).take());
}

}  // namespace cgw
