#include "cgwarden/signals/io_signals.h"

#include <algorithm>

#include "cgwarden/signals/window_math.h"

namespace cgw {

namespace {

// What one (cgroup, device, op) entry recorded in the window.
struct OpWindow {
    uint64_t ops = 0;
    uint64_t bytes = 0;
    uint64_t wait_ns = 0;  // queue + device, summed over the requests
    HistogramWindow device;
    HistogramWindow queue;

    OpWindow &operator+=(const OpWindow &other) {
        ops += other.ops;
        bytes += other.bytes;
        wait_ns += other.wait_ns;
        device += other.device;
        queue += other.queue;
        return *this;
    }
};

OpWindow op_window(const IoOpCounters &now, const IoOpCounters *then) {
    static const IoOpCounters kZero;
    // Fewer ops than before means the entry restarted (reused cgroup id).
    const IoOpCounters &old = then && then->ops <= now.ops ? *then : kZero;
    return {
        now.ops - old.ops, delta(now.bytes, old.bytes),
        delta(now.device_ns, old.device_ns) + delta(now.queue_ns, old.queue_ns),
        histogram_window(now.device_hist, now.device_max_ns, old.device_hist, old.device_max_ns),
        histogram_window(now.queue_hist, now.queue_max_ns, old.queue_hist, old.queue_max_ns)};
}

void fill_latency(IoLatencySignals &s, const OpWindow &w) {
    s.ops = w.ops;
    s.bytes = w.bytes;
    s.wait_total_s = seconds(w.wait_ns);
    s.latency_p50_s = w.device.quantile_ns(0.50) / kNsPerS;
    s.latency_p99_s = w.device.quantile_ns(0.99) / kNsPerS;
    s.latency_max_s = seconds(w.device.max_ns);
    s.queue_p99_s = w.queue.quantile_ns(0.99) / kNsPerS;
}

void add_behind(std::vector<QueuedBehind> &list, IoCgroupId cgroup, double delay_s,
                uint64_t count) {
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const QueuedBehind &q) { return q.cgroup_id == cgroup; });
    if (it == list.end()) {
        list.push_back({cgroup, delay_s, count});
        return;
    }
    it->delay_s += delay_s;
    it->count += count;
}

void sort_by_delay(std::vector<QueuedBehind> &list) {
    std::sort(list.begin(), list.end(),
              [](const QueuedBehind &a, const QueuedBehind &b) { return a.delay_s > b.delay_s; });
}

}  // namespace

IoSignals compute_io_signals(const IoCounters &before, const IoCounters &after) {
    IoSignals out;
    std::map<IoCgroupId, OpWindow> by_cgroup;
    std::map<std::pair<IoCgroupId, BlockDevice>, OpWindow> by_device;
    for (const auto &[key, now] : after.stats) {
        OpWindow w = op_window(now, find_or_null(before.stats, key));
        if (w.ops == 0)
            continue;
        by_cgroup[key.cgroup] += w;
        by_device[{key.cgroup, key.device}] += w;
        CgroupIoSignals &c = out.by_cgroup[key.cgroup];
        if (key.op == CGW_IO_OP_READ)
            c.read_ops += w.ops;
        else if (key.op == CGW_IO_OP_WRITE)
            c.write_ops += w.ops;
    }
    for (const auto &[cgroup, w] : by_cgroup)
        fill_latency(out.by_cgroup[cgroup], w);
    for (const auto &[key, w] : by_device)
        fill_latency(out.by_cgroup[key.first].devices[key.second], w);

    for (const auto &[key, now] : after.queued_behind) {
        const QueuedBehindCounters *then = find_or_null(before.queued_behind, key);
        // An LRU entry evicted and re-created restarts: take it whole.
        const QueuedBehindCounters old =
            then && then->count <= now.count ? *then : QueuedBehindCounters{};
        uint64_t count = now.count - old.count;
        if (count == 0)
            continue;
        double delay_s = seconds(delta(now.delay_ns, old.delay_ns));
        CgroupIoSignals &c = out.by_cgroup[key.waiter_cgroup];
        add_behind(c.queued_behind, key.ahead_cgroup, delay_s, count);
        add_behind(c.devices[key.device].queued_behind, key.ahead_cgroup, delay_s, count);
    }
    for (auto &[id, c] : out.by_cgroup) {
        sort_by_delay(c.queued_behind);
        for (auto &[device, d] : c.devices)
            sort_by_delay(d.queued_behind);
    }
    for (size_t i = 0; i < out.drops.size(); ++i)
        out.drops[i] = delta(after.drops[i], before.drops[i]);
    return out;
}

}  // namespace cgw
