#include "cgwarden/signals/cpu_signals.h"

#include <algorithm>
#include <tuple>

#include "cgwarden/common/in_step.h"
#include "cgwarden/signals/window_math.h"

namespace cgw {

namespace {

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

    HistogramWindow window =
        histogram_window(now.runq_hist, now.runq_max_ns, old.runq_hist, old.runq_max_ns);
    s.runq_delay_max_s = seconds(window.max_ns);
    s.runq_delay_p50_s = window.quantile_ns(0.50) / kNsPerS;
    s.runq_delay_p99_s = window.quantile_ns(0.99) / kNsPerS;
}

void fill_cpu_stat(CgroupCpuSignals &s, const CpuStat &now, const CpuStat *then) {
    static const CpuStat kZero;
    const CpuStat &old = then ? *then : kZero;
    s.cpu_stat_throttled_s = seconds(delta(now.throttled_ns, old.throttled_ns));
    s.nr_throttled = delta(now.nr_throttled, old.nr_throttled);
    s.usage_s = seconds(delta(now.usage_ns, old.usage_ns));
}

}  // namespace

// A cgroup whose counters did not move has no entry: on a node of thousands
// of cgroups most are idle, and their entries would cost every pass.
CpuSignals compute_cpu_signals(const Sample &before, const Sample &after) {
    CpuSignals out;
    out.window_s = seconds(after.monotonic_ns - before.monotonic_ns);
    InStep before_bpf(before.cpu.by_cgroup);
    for (const auto &[id, now] : after.cpu.by_cgroup) {
        const CgroupCpuCounters *then = before_bpf.at(id);
        if (then && now.same_waits(*then))
            continue;
        fill_bpf(out.by_cgroup[id], now, then);
    }
    // Every cgroup was listed when `before` was taken, so one missing there
    // was created inside the window: all of its cpu.stat belongs to it.
    InStep before_stat(before.cpu_stat);
    for (const auto &[id, now] : after.cpu_stat) {
        const CpuStat *then = before_stat.at(id);
        if (then && *then == now)
            continue;
        fill_cpu_stat(out.by_cgroup[id], now, then);
    }
    for (const auto &[id, now] : after.cpu_psi) {
        static const Psi kNoPressure;
        const Psi *then = find_or_null(before.cpu_psi, id);
        const Psi &old = then ? *then : kNoPressure;
        CgroupCpuSignals &s = out.by_cgroup[id];
        s.psi_some_s = seconds(delta(now.some_total_us, old.some_total_us) * 1000);
        s.psi_full_s = seconds(delta(now.full_total_us, old.full_total_us) * 1000);
    }
    InStep before_pairs(before.cpu.preempt);
    for (const auto &[pair, now] : after.cpu.preempt) {
        const PreemptCounters *then = before_pairs.at(pair);
        uint64_t count = delta(now.count, then ? then->count : 0);
        if (count == 0)
            continue;
        out.by_cgroup[pair.first].preempted_by.push_back(
            {pair.second, seconds(delta(now.delay_ns, then ? then->delay_ns : 0)), count});
    }
    for (auto &[id, s] : out.by_cgroup) {
        std::sort(s.preempted_by.begin(), s.preempted_by.end(),
                  [](const Preemptor &a, const Preemptor &b) {
                      return std::tie(b.delay_s, a.cgroup_id) < std::tie(a.delay_s, b.cgroup_id);
                  });
    }
    for (size_t i = 0; i < out.drops.size(); ++i)
        out.drops[i] = delta(after.cpu.drops[i], before.cpu.drops[i]);
    return out;
}

}  // namespace cgw
