// A control loop pass made up in memory, for the exporter's unit tests and
// bench: a critical victim, a best-effort hog that preempts it, and `idle`
// cgroups with a little contention and a few waits each. As on a hybrid node,
// IO is keyed by blkio ids and the network by cgroup2 ids, other than the cpu
// hierarchy's: the hog writes to 8:0, /backup (only in blkio) reads from it,
// the victim sends the "agent-hb" heartbeat and loses a few packets.
#pragma once

#include <bpf/btf.h>

#include <chrono>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include "cgwarden/decisions/history.h"
#include "cgwarden/exporter/publisher.h"
#include "cgwarden/net/drop_reasons.h"

namespace cgw::test {

class FakePass {
  public:
    static constexpr CpuCgroupId kRoot{1};
    static constexpr CpuCgroupId kVictim{10};
    static constexpr CpuCgroupId kHog{11};
    static constexpr IoCgroupId kIoVictim{210};  // blkio ids
    static constexpr IoCgroupId kIoHog{211};
    static constexpr IoCgroupId kIoBackup{212};    // a cgroup the cpu hierarchy lacks
    static constexpr NetCgroupId kNetVictim{310};  // cgroup2 ids
    static constexpr NetCgroupId kNetHog{311};
    static CpuCgroupId idle_id(uint64_t i) { return CpuCgroupId(100 + i); }
    // Drop reasons, as enum skb_drop_reason numbers them in reason_names().
    static constexpr uint32_t kQdiscDrop = 7;
    static constexpr uint32_t kSocketRcvbuff = 40;
    static constexpr BlockDevice kDisk{8, 0};

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
            const CpuCgroupId id = idle_id(i);
            add_cgroup(id, "/idle/" + std::to_string(i), 1e-6 * static_cast<double>(i + 1));
            uint64_t waits[LatencyHistogram::kBuckets] = {};
            waits[cgw_hist_bucket(1'000 * (i + 1))] = 2;
            sample.cpu.by_cgroup[id].runq_hist.add(waits);
            sample.cpu.by_cgroup[id].runq_delay_ns = 2'000 * (i + 1);
            sample.cpu.preempt[{id, kHog}] = {.delay_ns = 1'000 * (i + 1), .count = 1};
            signals.by_cgroup[id].preempted_by = {{kHog, 1e-6, 1}};
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
        sample.memory[kVictim] = {.current_bytes = 64 << 20, .stall_some_us = 250'000};
        sample.cpu.drops[CGW_CPU_DROP_PREEMPT_FULL] = 4;
        signals.by_cgroup[kVictim].preempted_by = {{kHog, 0.002, 2}};

        input.cgroups["/batch/hog"].knobs[Knob::CpuWeight] = 100;
        output.breaches.push_back(
            {"/system.slice/agent.service", "cpu_delay_p99", 0.0026, 0.0002, "", "", ""});
        Decision step{"/batch/hog",    Knob::CpuWeight, 100, 70,
                      Direction::Down, "slo-breach",    {},  ""};
        decisions.push_back({1, step, true, {}});
        output.state.knobs[{"/batch/hog", Knob::CpuWeight}].original = 100;
        programs.push_back({"btf_sched_switch", 1000, 2'000'000});
        add_io();
        add_net();
    }

    // The hog's 1000 writes: 600 at 200 us, 390 at 2 ms, 10 at 30 ms of device
    // latency, each queued 50 us; the victim's 10 reads at 100 us; /backup's 4.
    void add_io() {
        ++paths_generation_;
        io_paths = {{IoCgroupId(201), "/"},
                    {kIoVictim, "/system.slice/agent.service"},
                    {kIoHog, "/batch/hog"},
                    {kIoBackup, "/backup"}};
        IoCounters &io = sample.io.emplace();
        io.stats[{kIoHog, kDisk, CGW_IO_OP_WRITE}] =
            io_op({{200'000, 600}, {2'000'000, 390}, {30'000'000, 10}}, 50'000, 65536);
        io.stats[{kIoVictim, kDisk, CGW_IO_OP_READ}] = io_op({{100'000, 10}}, 0, 4096);
        io.stats[{kIoBackup, kDisk, CGW_IO_OP_READ}] = io_op({{1'000'000, 4}}, 0, 131072);
        io.drops[CGW_IO_DROP_UNTRACKED] = 2;
        io.drops[CGW_IO_DROP_OUTLIER_RING_FULL] = 5;
        io_signals.by_cgroup[kIoHog].wait_total_s = 1.25;
        io_signals.by_cgroup[kIoVictim].wait_total_s = 0.001;
        io_signals.by_cgroup[kIoBackup].wait_total_s = 0.004;
        ringbuf_events["io"] = 12;
    }

    void add_net() {
        ++paths_generation_;
        net_paths = {{NetCgroupId(301), "/"},
                     {kNetVictim, "/system.slice/agent.service"},
                     {kNetHog, "/batch/hog"}};
        NetCounters &net = sample.net.emplace();
        net.by_cgroup[kNetVictim] = {.tx_packets = 100,
                                     .tx_bytes = 9200,
                                     .rx_packets = 50,
                                     .rx_bytes = 4600,
                                     .retransmits = 2,
                                     .tx_queue_drops = 3,
                                     .drops = {{kQdiscDrop, 3}}};
        net.by_cgroup[kNetHog] = {.tx_packets = 1'000'000, .tx_bytes = 1'500'000'000, .drops = {}};
        net.flows.push_back({.sent = 100,
                             .received = 96,
                             .dropped = 4,
                             .retransmits = 1,
                             .drops = {{kQdiscDrop, 3}, {kSocketRcvbuff, 1}}});
        net.lost[CGW_NET_LOST_RATE_LIMITED] = 6;
        net.lost[CGW_NET_LOST_RING_FULL] = 1;
        HeartbeatSignals hb;
        hb.flow = {"agent-hb", "udp", 9000, std::chrono::milliseconds(100), std::nullopt};
        hb.max_gap_s = 0.25;
        net_signals.heartbeats.push_back(hb);
        net_signals.by_cgroup[kNetVictim].drops = {{kQdiscDrop, 3}};
        ringbuf_events["net"] = 4;
    }

    // (device latency ns, requests) pairs, one queue time for all.
    static IoOpCounters io_op(std::vector<std::pair<uint64_t, uint64_t>> device, uint64_t queue_ns,
                              uint64_t bytes_each) {
        IoOpCounters c;
        LatencyHistogram::Counts device_counts{};
        LatencyHistogram::Counts queue_counts{};
        for (auto [ns, n] : device) {
            c.ops += n;
            c.device_ns += ns * n;
            c.device_max_ns = std::max(c.device_max_ns, ns);
            device_counts[cgw_hist_bucket(ns)] += n;
        }
        queue_counts[cgw_hist_bucket(queue_ns)] = c.ops;
        c.queue_ns = queue_ns * c.ops;
        c.queue_max_ns = queue_ns;
        c.bytes = bytes_each * c.ops;
        c.device_hist.add(device_counts.data());
        c.queue_hist.add(queue_counts.data());
        return c;
    }

    // Names for kQdiscDrop and kSocketRcvbuff, from an enum skb_drop_reason
    // built in memory with numbers unlike a real kernel's.
    static DropReasonNames reason_names() {
        std::unique_ptr<btf, void (*)(btf *)> b{btf__new_empty(), btf__free};
        btf__add_enum(b.get(), "skb_drop_reason", 4);
        btf__add_enum_value(b.get(), "SKB_DROP_REASON_QDISC_DROP", kQdiscDrop);
        btf__add_enum_value(b.get(), "SKB_DROP_REASON_SOCKET_RCVBUFF", kSocketRcvbuff);
        return DropReasonNames::from_btf(b.get()).value();
    }

    void add_cgroup(CpuCgroupId id, const std::string &path, double runq_delay_s) {
        ++paths_generation_;
        paths[id] = path;
        signals.by_cgroup[id].runq_delay_total_s = runq_delay_s;
        signals.by_cgroup[id].runq_events = runq_delay_s > 0 ? 1 : 0;
        sample.cpu_stat[id] = {};
    }

    // The cgroup is gone, in every hierarchy: no path, no counters (the maps'
    // entries of a removed cgroup stay until evicted: its id has no path).
    void remove_cgroup(CpuCgroupId id) {
        ++paths_generation_;
        if (auto path = paths.find(id); path != paths.end()) {
            std::erase_if(io_paths, [&](const auto &e) { return e.second == path->second; });
            std::erase_if(net_paths, [&](const auto &e) { return e.second == path->second; });
        }
        paths.erase(id);
        signals.by_cgroup.erase(id);
        sample.cpu_stat.erase(id);
        sample.cpu.by_cgroup.erase(id);
    }

    // Valid until the next call: the model views the pass's current figures.
    TickReport report() const {
        window_ = {signals,
                   sample.io ? std::optional(io_signals) : std::nullopt,
                   sample.net ? std::optional(net_signals) : std::nullopt,
                   {}};
        model_.emplace(window_, CgroupPaths{&paths, sample.io ? &io_paths : nullptr,
                                            sample.net ? &net_paths : nullptr, paths_generation_});
        TickReport r{sample,
                     *model_,
                     policy,
                     classify,
                     input,
                     output,
                     decisions,
                     programs,
                     CgroupMode::Hybrid,
                     AttachMode::TpBtf,
                     std::chrono::milliseconds(3)};
        r.ringbuf_events = ringbuf_events;
        r.sensor_read_errors = sensor_read_errors;
        return r;
    }

    Sample sample;
    CpuSignals signals;
    std::map<CpuCgroupId, std::string> paths;
    Policy policy;
    Classifier classify;
    ControllerInput input;
    ControllerOutput output;
    std::vector<DecisionRecord> decisions;
    std::vector<ProgramStats> programs;
    IoSignals io_signals;
    std::map<IoCgroupId, std::string> io_paths;
    NetSignals net_signals;
    std::map<NetCgroupId, std::string> net_paths;
    std::map<std::string, uint64_t> ringbuf_events;
    std::map<std::string, uint64_t> sensor_read_errors;

  private:
    uint64_t paths_generation_ = 0;  // counts the changes of the path maps
    mutable Signals window_;
    mutable std::optional<PassModel> model_;
};

// The exporter's publisher as the tests use it: the fake pass's drop reason
// names, version 1.2.3.
inline MetricsPublisher publisher() {
    ExporterOptions options;
    options.version = "1.2.3";
    return MetricsPublisher(options, std::make_shared<SnapshotStore>(), identify_by_path,
                            FakePass::reason_names());
}

}  // namespace cgw::test
