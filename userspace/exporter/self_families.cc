#include "cgwarden/exporter/self_families.h"

#include <array>
#include <map>
#include <string>

namespace cgw {

namespace {

using prometheus::MetricType;

// Names of the cgw_cpu_drop indexes (cpu_abi.h).
constexpr std::array<const char *, CGW_CPU_DROP_COUNT> kCpuDropReasons = {
    "stats_map_full", "wait_record_taken", "preempt_map_full"};
// Of cgw_io_drop (io_abi.h). untracked_completion is expected right after
// start (requests in flight when the programs attached); the alert skips it.
constexpr std::array<const char *, CGW_IO_DROP_COUNT> kIoDropReasons = {
    "stats_map_full",       "requests_map_full",    "behind_map_full",  "device_slots_full",
    "untracked_completion", "outlier_rate_limited", "outlier_ring_full"};
// Of cgw_net_lost (net_abi.h).
constexpr std::array<const char *, CGW_NET_LOST_COUNT> kNetLostReasons = {
    "event_ring_full", "event_rate_limited", "cgroup_map_full", "drops_map_full"};

template <size_t N>
void add_lost(FamilyBuilder &family, const char *sensor, const std::array<const char *, N> &names,
              const std::array<uint64_t, N> &counts) {
    for (size_t i = 0; i < N; ++i)
        family.add({{"sensor", sensor}, {"reason", names[i]}}, static_cast<double>(counts[i]));
}

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

// A per-sensor count of the report (events received, failed reads); 0 if none.
double count_of(const std::map<std::string, uint64_t> &counts, const std::string &sensor) {
    auto it = counts.find(sensor);
    return it == counts.end() ? 0 : static_cast<double>(it->second);
}

void add_lost_events(const TickReport &report, Families &out) {
    FamilyBuilder lost("cgwarden_lost_events_total",
                       "Kernel events a cgwarden BPF program could not account, by sensor and "
                       "reason (a full map or ring buffer, an event rate limit): data loss is "
                       "never silent.",
                       MetricType::Counter);
    FamilyBuilder events("cgwarden_ringbuf_events_total",
                         "Notable events (IO latency outliers, heartbeat drops and gaps) the "
                         "daemon received through BPF ring buffers, by sensor.",
                         MetricType::Counter);
    FamilyBuilder ring_lost("cgwarden_ringbuf_lost_events_total",
                            "Notable events (IO latency outliers, heartbeat drops and gaps) the "
                            "kernel could not put into a full BPF ring buffer, by sensor.",
                            MetricType::Counter);
    add_lost(lost, "cpu", kCpuDropReasons, report.sample.cpu.drops);
    if (const auto &io = report.sample.io) {
        add_lost(lost, "io", kIoDropReasons, io->drops);
        events.add({{"sensor", "io"}}, count_of(report.ringbuf_events, "io"));
        ring_lost.add({{"sensor", "io"}},
                      static_cast<double>(io->drops[CGW_IO_DROP_OUTLIER_RING_FULL]));
    }
    if (const auto &net = report.sample.net) {
        add_lost(lost, "net", kNetLostReasons, net->lost);
        events.add({{"sensor", "net"}}, count_of(report.ringbuf_events, "net"));
        ring_lost.add({{"sensor", "net"}}, static_cast<double>(net->lost[CGW_NET_LOST_RING_FULL]));
    }
    out.push_back(std::move(lost).take());
    out.push_back(std::move(events).take());
    out.push_back(std::move(ring_lost).take());
    FamilyBuilder read_errors("cgwarden_sensor_read_errors_total",
                              "Passes whose read of an optional sensor (io, net) failed: that "
                              "sensor's signals were left out of the pass, the rest ran.",
                              MetricType::Counter);
    for (const char *sensor : {"io", "net"})
        read_errors.add({{"sensor", sensor}}, count_of(report.sensor_read_errors, sensor));
    out.push_back(std::move(read_errors).take());
}

}  // namespace

void add_self_families(const TickReport &report, const BuildInfo &build, const ExportScope &scope,
                       Families &out) {
    add_bpf_programs(report, out);
    add_lost_events(report, out);
    FamilyBuilder left_out("cgwarden_exporter_cgroups_left_out",
                           "Protected or contended cgroups of the last pass that have no "
                           "per-cgroup series because the policy's series limits (protected, "
                           "contended) were reached.",
                           MetricType::Gauge);
    left_out.add({}, static_cast<double>(scope.left_out));
    out.push_back(std::move(left_out).take());
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
