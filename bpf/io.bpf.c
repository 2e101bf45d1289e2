// SPDX-License-Identifier: GPL-2.0
/* Block IO latency per (blkio cgroup, device, op class), which other cgroups
 * had requests in flight with each request, and latency outliers as ring
 * buffer events.
 *
 * Each request is tracked by its struct request pointer from its arrival
 * (block_rq_insert, or block_rq_issue when it was never inserted) through
 * block_rq_issue to block_rq_complete; the rules are in io_request.h. It is
 * charged to the cgroup of its bio's blkcg (block.bpf.h), captured at
 * arrival. Requests merged into another (block_rq_merge) end without
 * completing; requeued ones (block_rq_requeue) are issued again.
 *
 * Queued behind: each disk has a few slots counting the requests one cgroup
 * has in flight there (arrived, not completed). When a request completes,
 * its latency is shared among the other cgroups with requests in flight on
 * its disk, in proportion to their requests: the requests it waited behind
 * or alongside, in the scheduler's queue and in the device's. The end of the
 * wait is the moment to look: requests that arrived after it but were served
 * first (a scheduler's priorities, a device's own queues, a deep-queue hog
 * resubmitting between the waiter's requests) are in flight then; ones that
 * merely happened to be there when it arrived may have left long before.
 * Reading a disk's slots costs one lookup and a short fixed loop (walking a
 * hash map instead costs tens of µs: it visits every bucket).
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

/* A slot belongs to a cgroup while it has requests in flight; a free slot
 * (no requests) is claimed by compare-and-swap. A request remembers its slot,
 * so a slot's count always returns to zero even if a race relabels it. */
struct device_slots {
    __u64 cgroup[CGW_IO_DEVICE_SLOTS];
    __s64 inflight[CGW_IO_DEVICE_SLOTS];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, CGW_IO_MAX_DEVICES);
    __type(key, __u32);
    __type(value, struct device_slots);
} devices SEC(".maps");

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

static __always_inline struct device_slots *slots_of(__u32 dev) {
    static const struct device_slots empty;
    struct device_slots *d = bpf_map_lookup_elem(&devices, &dev);
    if (d)
        return d;
    bpf_map_update_elem(&devices, &dev, &empty, BPF_NOEXIST);
    return bpf_map_lookup_elem(&devices, &dev);
}

/* Counts a request in its cgroup's slot; CGW_IO_DEVICE_SLOTS when none is free. */
static __always_inline __u32 enter_slot(struct device_slots *d, __u64 cgroup) {
    for (__u32 i = 0; i < CGW_IO_DEVICE_SLOTS; i++) {
        if (d->cgroup[i] == cgroup) {
            __sync_fetch_and_add(&d->inflight[i], 1);
            return i;
        }
    }
    for (__u32 i = 0; i < CGW_IO_DEVICE_SLOTS; i++) {
        __u64 owner = d->cgroup[i];
        if (d->inflight[i] <= 0 &&
            __sync_val_compare_and_swap(&d->cgroup[i], owner, cgroup) == owner) {
            __sync_fetch_and_add(&d->inflight[i], 1);
            return i;
        }
    }
    count_drop(CGW_IO_DROP_SLOTS_FULL);
    return CGW_IO_DEVICE_SLOTS;
}

static __always_inline void leave_slot(const struct cgw_io_request *r) {
    __u32 slot = r->slot;
    if (slot >= CGW_IO_DEVICE_SLOTS)
        return;
    __u32 dev = r->dev;
    struct device_slots *d = bpf_map_lookup_elem(&devices, &dev);
    if (d)
        __sync_fetch_and_add(&d->inflight[slot], -1);
}

static __always_inline void release(__u64 key, const struct cgw_io_request *r) {
    leave_slot(r);
    bpf_map_delete_elem(&requests, &key);
}

/* Starts tracking a request: its owner and its device. */
static __always_inline void arrive(struct request *rq, __u64 now) {
    struct cgw_io_request r = {};
    r.arrived_ns = now;
    r.cgroup = request_cgroup_id(rq);
    r.dev = request_dev(rq);
    r.op = cgw_io_op_class(request_op(rq));
    r.slot = CGW_IO_DEVICE_SLOTS;
    struct device_slots *d = slots_of(r.dev);
    if (d)
        r.slot = enter_slot(d, r.cgroup);
    else
        count_drop(CGW_IO_DROP_SLOTS_FULL);
    __u64 key = (__u64)rq;
    if (bpf_map_update_elem(&requests, &key, &r, BPF_ANY)) {
        count_drop(CGW_IO_DROP_REQUESTS_FULL);
        leave_slot(&r);
    }
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
    s->device_ns += lat->device_ns;
    s->queue_ns += lat->queue_ns;
    add_to_hist(s->device_hist, lat->device_ns);
    add_to_hist(s->queue_hist, lat->queue_ns);
}

/* A subprogram: inlined into the loop above it would be verified 16 times. */
static __noinline void charge_behind(const struct cgw_io_behind_key *key, __u64 delay) {
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

/* Shares the latency among the other cgroups with requests in flight on the
 * device (its own cgroup's requests are no antagonist). The slots are read
 * twice, not copied: copies on the stack would make the verifier follow
 * every combination of busy and idle slots. Counts that move in between only
 * shift the shares a little; a share is never more than the whole latency. */
static __always_inline void charge_in_flight(const struct cgw_io_request *r, __u64 latency) {
    __u32 dev = r->dev;
    struct device_slots *d = bpf_map_lookup_elem(&devices, &dev);
    if (!d)
        return;
    __u64 total = 0;
    for (__u32 i = 0; i < CGW_IO_DEVICE_SLOTS; i++) {
        __s64 n = d->inflight[i];
        if (n > 0 && d->cgroup[i] != r->cgroup)
            total += n;
    }
    if (!total)
        return;
    struct cgw_io_behind_key key = {.waiter_cgroup = r->cgroup, .dev = r->dev};
    for (__u32 i = 0; i < CGW_IO_DEVICE_SLOTS; i++) {
        __s64 n = d->inflight[i];
        __u64 owner = d->cgroup[i];
        if (n <= 0 || owner == r->cgroup)
            continue;
        key.ahead_cgroup = owner;
        charge_behind(&key, cgw_io_share_ns(latency, (__u64)n < total ? (__u64)n : total, total));
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
    charge_in_flight(&r, lat.queue_ns + lat.device_ns);
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
