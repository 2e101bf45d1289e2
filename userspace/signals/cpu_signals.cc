#include "cgwarden/signals/cpu_signals.h"

#include <algorithm>

namespace cgw {

namespace {

constexpr double kNsPerS = 1e9;

// Counters restart from zero when a cgroup id is reused (or a map entry is
// recreated): then the newer value is the whole window.
uint64_t delta(uint64_t newer, uint64_t older) {
    return newer >= older ? newer - older : newer;
}

double seconds(uint64_t ns) {
    return static_cast<double>(ns) / kNsPerS;
}

bool went_back(const CgroupCpuCounters &now, const CgroupCpuCounters &old) {
    return now.runq_delay_ns < old.runq_delay_ns || now.runq_events < old.runq_events ||
           now.throttled_ns < old.throttled_ns || now.throttled_events < old.throttled_events;
}

void fill_bpf(CgroupCpuSignals &s, const CgroupCpuCounters &now, const CgroupCpuCounters *then) {
    static const CgroupCpuCounters kZero;
    // Any counter going back means the entry restarted: take it whole.
    const CgroupCpuCounters &old = then && !went_back(now, *then) ? *then : kZero;
    s.runq_delay_total_s = seconds(delta(now.runq_delay_ns, old.runq_delay_ns));
    s.runq_events = delta(now.runq_events, old.runq_events);
    s.throttled_s = seconds(delta(now.throttled_ns, old.throttled_ns));
    s.throttled_events = delta(now.throttled_events, old.throttled_events);

    LatencyHistogram window = now.runq_hist;
    window -= old.runq_hist;
    // The kernel keeps the maximum since load. When it grew, the new maximum
    // happened in the window; otherwise the window's own maximum is bounded
    // by the end of its highest non-empty bucket.
    uint64_t max_ns = now.runq_max_ns;
    if (now.runq_max_ns <= old.runq_max_ns) {
        const auto &counts = window.counts();
        max_ns = 0;
        for (uint32_t i = LatencyHistogram::kBuckets; i-- > 0;) {
            if (counts[i]) {
                max_ns = std::min(now.runq_max_ns, LatencyHistogram::bucket_lower_ns(i + 1));
                break;
            }
        }
    }
    s.runq_delay_max_s = seconds(max_ns);
    s.runq_delay_p50_s = window.quantile_ns(0.50, max_ns) / kNsPerS;
    s.runq_delay_p99_s = window.quantile_ns(0.99, max_ns) / kNsPerS;
}

void fill_cpu_stat(CgroupCpuSignals &s, const CpuStat &now, const CpuStat *then) {
    static const CpuStat kZero;
    const CpuStat &old = then ? *then : kZero;
    s.cpu_stat_throttled_s = seconds(delta(now.throttled_ns, old.throttled_ns));
    s.nr_throttled = delta(now.nr_throttled, old.nr_throttled);
    s.usage_s = seconds(delta(now.usage_ns, old.usage_ns));
}

template <class Map>
const typename Map::mapped_type *find(const Map &map, const typename Map::key_type &key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
}

}  // namespace

CpuSignals compute_cpu_signals(const Sample &before, const Sample &after) {
    CpuSignals out;
    out.window_s = seconds(after.monotonic_ns - before.monotonic_ns);
    for (const auto &[id, now] : after.cpu.by_cgroup)
        fill_bpf(out.by_cgroup[id], now, find(before.cpu.by_cgroup, id));
    // Every cgroup was listed when `before` was taken, so one missing there
    // was created inside the window: all of its cpu.stat belongs to it.
    for (const auto &[id, now] : after.cpu_stat)
        fill_cpu_stat(out.by_cgroup[id], now, find(before.cpu_stat, id));
    for (const auto &[id, now] : after.cpu_psi) {
        static const Psi kNoPressure;
        const Psi *then = find(before.cpu_psi, id);
        const Psi &old = then ? *then : kNoPressure;
        CgroupCpuSignals &s = out.by_cgroup[id];
        s.psi_some_s = seconds(delta(now.some_total_us, old.some_total_us) * 1000);
        s.psi_full_s = seconds(delta(now.full_total_us, old.full_total_us) * 1000);
    }
    for (const auto &[pair, now] : after.cpu.preempt) {
        const PreemptCounters *then = find(before.cpu.preempt, pair);
        uint64_t count = delta(now.count, then ? then->count : 0);
        if (count == 0)
            continue;
        out.by_cgroup[pair.first].preempted_by.push_back(
            {pair.second, seconds(delta(now.delay_ns, then ? then->delay_ns : 0)), count});
    }
    for (auto &[id, s] : out.by_cgroup) {
        std::sort(s.preempted_by.begin(), s.preempted_by.end(),
                  [](const Preemptor &a, const Preemptor &b) { return a.delay_s > b.delay_s; });
    }
    for (size_t i = 0; i < out.drops.size(); ++i)
        out.drops[i] = delta(after.cpu.drops[i], before.cpu.drops[i]);
    return out;
}

}  // namespace cgw
