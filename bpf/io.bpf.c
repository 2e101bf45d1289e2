// SPDX-License-Identifier: GPL-2.0
/* Block IO latency per (blkio cgroup, device, op class), who was in flight
 * ahead of each request, and latency outliers as ring buffer events.
 *
 * Each request is tracked by its struct request pointer from its arrival
 * (block_rq_insert, or block_rq_issue when it was never inserted) through
 * block_rq_issue to block_rq_complete; the rules are in io_request.h. It is
 * charged to the cgroup of its bio's blkcg (block.bpf.h), captured at
 * arrival. Requests merged into another (block_rq_merge) end without
 * completing; requeued ones (block_rq_requeue) are issued again.
 *
 * Queued behind: the number of requests each cgroup has in flight (arrived,
 * not completed) is kept per device. When a request arrives, the cgroups
 * with requests in flight on its device are remembered with it; when it
 * completes, its latency is shared among them in proportion to their
 * requests. Those are the requests it waited behind, in the scheduler's
 * queue and in the device's.
 *
 * Two attach flavours share the logic: tp_btf, and raw_tp where the kernel
 * refuses tp_btf. Both need kernels >= 5.11, whose block_rq_* tracepoints
 * take the request alone (checked by the daemon from the kernel's BTF).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "cgwarden/io_abi.h"
#include "cgwarden/io_request.h"
#include "block.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the daemon before load. */
const volatile __u64 outlier_threshold_ns = 50 * 1000 * 1000;
const volatile __u32 outlier_limit_per_cpu_s = 64; /* events per CPU per second */

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, CGW_IO_MAX_REQUESTS);
    __type(key, __u64); /* struct request * */
    __type(value, struct cgw_io_request);
} requests SEC(".maps");

struct inflight_key {
    __u64 cgroup;
    __u32 dev;
    __u32 pad;
};

/* Only (device, cgroup) pairs with requests in flight have an entry: the scan
 * at each arrival stays as short as the list of busy cgroups. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, CGW_IO_MAX_INFLIGHT);
    __type(key, struct inflight_key);
    __type(value, __s64);
} inflight SEC(".maps");

/* Not preallocated: the value is large and per CPU, and only cgroups that
 * actually do IO should cost memory. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, CGW_IO_MAX_STATS);
    __type(key, struct cgw_io_key);
    __type(value, struct cgw_io_stats);
} io_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, CGW_IO_MAX_QUEUED_BEHIND);
    __type(key, struct cgw_io_behind_key);
    __type(value, struct cgw_io_behind_value);
} queued_behind SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, CGW_IO_DROP_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} io_drops SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, CGW_IO_RINGBUF_BYTES);
} io_outliers SEC(".maps");

struct outlier_budget {
    __u64 second; /* monotonic second the count is for */
    __u64 sent;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct outlier_budget);
} outlier_budgets SEC(".maps");

static const struct cgw_io_stats zero_stats;

static __always_inline void count_drop(__u32 reason) {
    __u64 *n = bpf_map_lookup_elem(&io_drops, &reason);
    if (n)
        *n += 1;
}

static __always_inline void inflight_add(__u32 dev, __u64 cgroup) {
    struct inflight_key key = {.cgroup = cgroup, .dev = dev};
    __s64 *n = bpf_map_lookup_elem(&inflight, &key);
    if (n) {
        __sync_fetch_and_add(n, 1);
        return;
    }
    __s64 one = 1;
    /* Two CPUs may insert the same pair at once; the loser adds to the winner. */
    if (bpf_map_update_elem(&inflight, &key, &one, BPF_NOEXIST)) {
        n = bpf_map_lookup_elem(&inflight, &key);
        if (!n) {
            count_drop(CGW_IO_DROP_INFLIGHT_FULL);
            return;
        }
        __sync_fetch_and_add(n, 1);
    }
}

/* The last request out removes the entry. An arrival racing with that removal
 * loses its count until the next arrival of the pair re-creates it: the
 * in-flight figure is then one low for a moment, never wrong for long. */
static __always_inline void inflight_sub(__u32 dev, __u64 cgroup) {
    struct inflight_key key = {.cgroup = cgroup, .dev = dev};
    __s64 *n = bpf_map_lookup_elem(&inflight, &key);
    if (n && __sync_fetch_and_add(n, -1) <= 1)
        bpf_map_delete_elem(&inflight, &key);
}

struct ahead_scan {
    struct cgw_io_request rq;
    bool overflow;
};

static long note_in_flight(struct bpf_map *map, struct inflight_key *key, __s64 *n,
                           struct ahead_scan *scan) {
    if (key->dev != scan->rq.dev || *n <= 0)
        return 0;
    if (!cgw_io_note_ahead(&scan->rq, key->cgroup, (__u32)*n)) {
        scan->overflow = true;
        return 1;
    }
    return 0;
}

static __always_inline void release(__u64 key, const struct cgw_io_request *r) {
    inflight_sub(r->dev, r->cgroup);
    bpf_map_delete_elem(&requests, &key);
}

/* Starts tracking a request: its owner, its device, and who is ahead of it. */
static __always_inline void arrive(struct request *rq, __u64 now) {
    struct ahead_scan scan = {};
    scan.rq.arrived_ns = now;
    scan.rq.cgroup = request_cgroup_id(rq);
    scan.rq.dev = request_dev(rq);
    scan.rq.op = cgw_io_op_class(request_op(rq));
    bpf_for_each_map_elem(&inflight, note_in_flight, &scan, 0);
    if (scan.overflow)
        count_drop(CGW_IO_DROP_AHEAD_OVERFLOW);
    __u64 key = (__u64)rq;
    if (bpf_map_update_elem(&requests, &key, &scan.rq, BPF_ANY)) {
        count_drop(CGW_IO_DROP_REQUESTS_FULL);
        return;
    }
    inflight_add(scan.rq.dev, scan.rq.cgroup);
}

static __always_inline struct cgw_io_stats *stats_of(const struct cgw_io_request *r) {
    struct cgw_io_key key = {.cgroup = r->cgroup, .dev = r->dev, .op = r->op};
    struct cgw_io_stats *s = bpf_map_lookup_elem(&io_stats, &key);
    if (s)
        return s;
    if (bpf_map_update_elem(&io_stats, &key, &zero_stats, BPF_NOEXIST) &&
        !bpf_map_lookup_elem(&io_stats, &key)) {
        count_drop(CGW_IO_DROP_STATS_FULL);
        return 0;
    }
    return bpf_map_lookup_elem(&io_stats, &key);
}

static __always_inline void add_to_hist(__u64 *hist, __u64 ns) {
    __u32 bucket = cgw_hist_bucket(ns);
    barrier_var(bucket);
    if (bucket < CGW_HIST_BUCKETS)
        hist[bucket] += 1;
}

static __always_inline void account(const struct cgw_io_request *r,
                                    const struct cgw_io_latency *lat) {
    struct cgw_io_stats *s = stats_of(r);
    if (!s)
        return;
    s->ops += 1;
    s->bytes += r->bytes;
    if (lat->device_ns > s->device_max_ns)
        s->device_max_ns = lat->device_ns;
    if (lat->queue_ns > s->queue_max_ns)
        s->queue_max_ns = lat->queue_ns;
    add_to_hist(s->device_hist, lat->device_ns);
    add_to_hist(s->queue_hist, lat->queue_ns);
}

static __always_inline void charge_behind(const struct cgw_io_behind_key *key, __u64 delay) {
    struct cgw_io_behind_value *v = bpf_map_lookup_elem(&queued_behind, key);
    if (v) {
        __sync_fetch_and_add(&v->delay_ns, delay);
        __sync_fetch_and_add(&v->count, 1);
        return;
    }
    struct cgw_io_behind_value first = {.delay_ns = delay, .count = 1};
    if (bpf_map_update_elem(&queued_behind, key, &first, BPF_NOEXIST)) {
        v = bpf_map_lookup_elem(&queued_behind, key);
        if (!v) {
            count_drop(CGW_IO_DROP_BEHIND_FULL);
            return;
        }
        __sync_fetch_and_add(&v->delay_ns, delay);
        __sync_fetch_and_add(&v->count, 1);
    }
}

static __always_inline void charge_ahead(const struct cgw_io_request *r, __u64 latency) {
    __u64 total = cgw_io_ahead_total(r);
    struct cgw_io_behind_key key = {.waiter_cgroup = r->cgroup, .dev = r->dev};
    for (__u32 i = 0; i < CGW_IO_AHEAD_SLOTS; i++) {
        if (i >= r->ahead_n)
            break;
        key.ahead_cgroup = r->ahead_cgroup[i];
        charge_behind(&key, cgw_io_share_ns(latency, r->ahead_count[i], total));
    }
}

/* Outliers go to user space at once, at most outlier_limit_per_cpu_s per CPU
 * and second so a storm of slow IO cannot flood the ring; the rest is counted. */
static __always_inline void report_outlier(const struct cgw_io_request *r,
                                           const struct cgw_io_latency *lat, __u64 now) {
    if (lat->queue_ns + lat->device_ns <= outlier_threshold_ns)
        return;
    __u32 zero = 0;
    struct outlier_budget *budget = bpf_map_lookup_elem(&outlier_budgets, &zero);
    if (!budget)
        return;
    __u64 second = now / 1000000000ULL;
    if (budget->second != second) {
        budget->second = second;
        budget->sent = 0;
    }
    if (budget->sent >= outlier_limit_per_cpu_s) {
        count_drop(CGW_IO_DROP_OUTLIER_RATE_LIMITED);
        return;
    }
    struct cgw_io_outlier *e = bpf_ringbuf_reserve(&io_outliers, sizeof(*e), 0);
    if (!e) {
        count_drop(CGW_IO_DROP_OUTLIER_RING_FULL);
        return;
    }
    budget->sent += 1;
    e->completed_ns = now;
    e->cgroup = r->cgroup;
    e->queue_ns = lat->queue_ns;
    e->device_ns = lat->device_ns;
    e->bytes = r->bytes;
    e->dev = r->dev;
    e->op = r->op;
    bpf_ringbuf_submit(e, 0);
}

static __always_inline void on_insert(struct request *rq) {
    __u64 key = (__u64)rq;
    struct cgw_io_request *r = bpf_map_lookup_elem(&requests, &key);
    if (r) {
        if (cgw_io_insert_is_requeue(r))
            return;
        release(key, r);
    }
    arrive(rq, bpf_ktime_get_ns());
}

static __always_inline void on_issue(struct request *rq) {
    __u64 key = (__u64)rq;
    __u64 now = bpf_ktime_get_ns();
    struct cgw_io_request *r = bpf_map_lookup_elem(&requests, &key);
    if (!r) {
        arrive(rq, now);
        r = bpf_map_lookup_elem(&requests, &key);
        if (!r)
            return;
    }
    cgw_io_issue(r, now, request_bytes(rq));
}

static __always_inline void on_requeue(struct request *rq) {
    __u64 key = (__u64)rq;
    struct cgw_io_request *r = bpf_map_lookup_elem(&requests, &key);
    if (r)
        cgw_io_requeue(r);
}

/* A request merged into another is freed without completing. */
static __always_inline void on_merge(struct request *rq) {
    __u64 key = (__u64)rq;
    struct cgw_io_request *r = bpf_map_lookup_elem(&requests, &key);
    if (r)
        release(key, r);
}

static __always_inline void on_complete(struct request *rq, unsigned int nr_bytes) {
    __u64 key = (__u64)rq;
    struct cgw_io_request *found = bpf_map_lookup_elem(&requests, &key);
    if (!found) {
        count_drop(CGW_IO_DROP_UNTRACKED);
        return;
    }
    if (!cgw_io_completion_is_final(nr_bytes, request_bytes(rq)))
        return;
    /* A copy: the entry is released below and may be reused at once. */
    struct cgw_io_request r = *found;
    release(key, &r);
    __u64 now = bpf_ktime_get_ns();
    struct cgw_io_latency lat;
    if (!cgw_io_complete(&r, now, &lat)) {
        count_drop(CGW_IO_DROP_UNTRACKED);
        return;
    }
    account(&r, &lat);
    charge_ahead(&r, lat.queue_ns + lat.device_ns);
    report_outlier(&r, &lat, now);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(btf_block_rq_insert, struct request *rq) {
    on_insert(rq);
    return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(btf_block_rq_issue, struct request *rq) {
    on_issue(rq);
    return 0;
}

SEC("tp_btf/block_rq_requeue")
int BPF_PROG(btf_block_rq_requeue, struct request *rq) {
    on_requeue(rq);
    return 0;
}

SEC("tp_btf/block_rq_merge")
int BPF_PROG(btf_block_rq_merge, struct request *rq) {
    on_merge(rq);
    return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(btf_block_rq_complete, struct request *rq, int error, unsigned int nr_bytes) {
    on_complete(rq, nr_bytes);
    return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(raw_block_rq_insert, struct request *rq) {
    on_insert(rq);
    return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(raw_block_rq_issue, struct request *rq) {
    on_issue(rq);
    return 0;
}

SEC("raw_tp/block_rq_requeue")
int BPF_PROG(raw_block_rq_requeue, struct request *rq) {
    on_requeue(rq);
    return 0;
}

SEC("raw_tp/block_rq_merge")
int BPF_PROG(raw_block_rq_merge, struct request *rq) {
    on_merge(rq);
    return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_block_rq_complete, struct request *rq, int error, unsigned int nr_bytes) {
    on_complete(rq, nr_bytes);
    return 0;
}
