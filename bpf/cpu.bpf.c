// SPDX-License-Identifier: GPL-2.0
/* CPU contention per cpu cgroup: run-queue delay, throttled waits and who held
 * the CPU while a task waited.
 *
 * A task starts waiting when it is woken (sched_wakeup, sched_wakeup_new) or
 * switched out while still runnable (sched_switch with prev runnable: preempted,
 * yielded, or throttled). It stops waiting when it is switched in. The wait is
 * charged to the task's cpu cgroup; it counts as throttled when it began while
 * the task's CFS bandwidth group was throttled. The cgroup of the task that was
 * on the CPU right before the waiter got it is recorded as the antagonist.
 * Times come from the run queue clock (see task_rq_clock).
 *
 * Two attach flavours share the logic, chosen by the constant `btf` once
 * inlined: tp_btf programs read kernel structures with plain loads through
 * their typed pointers and keep the wait start in task local storage (no hash
 * lookups, no helper calls on the hot path); raw_tp programs, for kernels
 * without tp_btf or task storage, read with bpf_probe_read_kernel (CO-RE) and
 * keep the wait start in a pid-keyed hash.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "cgwarden/cpu_abi.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct queued {
    __u64 since_ns; /* 0 when the task is not waiting */
    __u64 throttled;
    __u64 carried_ns; /* wait already spent on other CPUs' run queues */
    __u64 switches;   /* task_switches() when the wait began */
    /* The stats slot of the task's cgroup, kept across waits (see stats_of);
     * slot_cgroup 0: none yet. */
    __u64 slot_cgroup;
    __u32 slot;
};

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct queued);
} queued_by_task SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, CGW_CPU_MAX_QUEUED_TASKS);
    __type(key, __u32);
    __type(value, struct queued);
} queued_by_pid SEC(".maps");

/* Per-CPU stats of the cgroups the daemon gave a slot (CpuSlots): found
 * through the slot cached in the waking task's struct queued, an array lookup
 * the verifier inlines, where a hash costs a helper call, a hash and a bucket
 * walk per switch. Both sizes are set at load time from the cgroups in use;
 * the daemon writes the owner's id into every CPU's copy of a slot it gives. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct cgw_cpu_stats);
} slot_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, __u64);
    __type(value, __u32);
} slot_of_cgroup SEC(".maps");

/* Cgroups without a slot: new ones until the daemon's next pass gives them
 * one (it then folds their entry into its own counters), and any beyond the
 * slots. Not preallocated: the value is large and per CPU, and only cgroups
 * that actually run tasks should cost memory. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, CGW_CPU_MAX_CGROUPS);
    __type(key, __u64);
    __type(value, struct cgw_cpu_stats);
} cpu_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, CGW_CPU_MAX_PREEMPT_PAIRS);
    __type(key, struct cgw_preempt_key);
    __type(value, struct cgw_preempt_value);
} preempt_pairs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, CGW_CPU_DROP_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} cpu_drops SEC(".maps");

static const struct cgw_cpu_stats zero_stats;

static __always_inline void count_drop(__u32 reason) {
    __u64 *n = bpf_map_lookup_elem(&cpu_drops, &reason);
    if (n)
        *n += 1;
}

static __always_inline struct queued *queued_slot(struct task_struct *t, bool btf, bool create) {
    if (btf)
        return bpf_task_storage_get(&queued_by_task, t, 0,
                                    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);

    __u32 pid = CGW_READ(btf, t->pid, t, pid);
    struct queued *q = bpf_map_lookup_elem(&queued_by_pid, &pid);
    if (q || !create)
        return q;
    static const struct queued fresh;
    if (bpf_map_update_elem(&queued_by_pid, &pid, &fresh, BPF_NOEXIST) &&
        !bpf_map_lookup_elem(&queued_by_pid, &pid)) {
        count_drop(CGW_CPU_DROP_QUEUED_FULL);
        return 0;
    }
    return bpf_map_lookup_elem(&queued_by_pid, &pid);
}

static __always_inline void start_wait(struct task_struct *t, bool btf) {
    /* The idle task never waits for a CPU. */
    if (CGW_READ(btf, t->pid, t, pid) == 0)
        return;
    struct queued *q = queued_slot(t, btf, true);
    if (!q)
        return;
    q->since_ns = task_rq_clock(t, btf);
    q->carried_ns = 0;
    q->throttled = task_cfs_throttled(t, btf);
    q->switches = task_switches(t, btf);
}

static __always_inline struct cgw_cpu_stats *hash_stats_of(__u64 cgroup_id) {
    struct cgw_cpu_stats *s = bpf_map_lookup_elem(&cpu_stats, &cgroup_id);
    if (s)
        return s;
    if (bpf_map_update_elem(&cpu_stats, &cgroup_id, &zero_stats, BPF_NOEXIST) &&
        !bpf_map_lookup_elem(&cpu_stats, &cgroup_id)) {
        count_drop(CGW_CPU_DROP_STATS_FULL);
        return 0;
    }
    return bpf_map_lookup_elem(&cpu_stats, &cgroup_id);
}

static __always_inline struct cgw_cpu_stats *slot_stats_of(__u32 slot, __u64 cgroup_id) {
    struct cgw_cpu_stats *s = bpf_map_lookup_elem(&slot_stats, &slot);
    return s && s->cgroup_id == cgroup_id ? s : 0;
}

/* The cgroup's stats: its slot when it has one, else its hash entry. The
 * slot's owner is checked on every use, since the daemon takes slots back from
 * cgroups that are gone and gives them to others, and cgroup ids are reused:
 * a stale cached slot is looked up again, never written. */
static __always_inline struct cgw_cpu_stats *stats_of(struct queued *q, __u64 cgroup_id) {
    struct cgw_cpu_stats *s = 0;
    if (q->slot_cgroup == cgroup_id)
        s = slot_stats_of(q->slot, cgroup_id);
    if (!s) {
        __u32 *slot = bpf_map_lookup_elem(&slot_of_cgroup, &cgroup_id);
        if (slot) {
            q->slot = *slot;
            q->slot_cgroup = cgroup_id;
            s = slot_stats_of(*slot, cgroup_id);
        }
    }
    return s ? s : hash_stats_of(cgroup_id);
}

static __always_inline void charge_antagonist(__u64 victim, __u64 antagonist, __u64 delay) {
    struct cgw_preempt_key key = {.victim_cgroup = victim, .antagonist_cgroup = antagonist};
    struct cgw_preempt_value *v = bpf_map_lookup_elem(&preempt_pairs, &key);
    if (v) {
        __sync_fetch_and_add(&v->delay_ns, delay);
        __sync_fetch_and_add(&v->count, 1);
        return;
    }
    struct cgw_preempt_value first = {.delay_ns = delay, .count = 1};
    /* Two CPUs may insert the same pair at once; the loser adds to the winner. */
    if (bpf_map_update_elem(&preempt_pairs, &key, &first, BPF_NOEXIST)) {
        v = bpf_map_lookup_elem(&preempt_pairs, &key);
        if (!v) {
            count_drop(CGW_CPU_DROP_PREEMPT_FULL);
            return;
        }
        __sync_fetch_and_add(&v->delay_ns, delay);
        __sync_fetch_and_add(&v->count, 1);
    }
}

static __always_inline void end_wait(struct task_struct *prev, struct task_struct *next, bool btf) {
    struct queued *q = queued_slot(next, btf, false);
    if (!q || !q->since_ns)
        return;
    /* Switched out since the wait began without starting another (see
     * on_switch): it blocked, so that wait ended there. */
    if (q->switches != task_switches(next, btf)) {
        q->since_ns = 0;
        return;
    }
    __u64 now = task_rq_clock(next, btf);
    __u64 delay = (now > q->since_ns ? now - q->since_ns : 0) + q->carried_ns;
    q->carried_ns = 0;
    bool throttled = q->throttled;
    q->since_ns = 0;

    __u64 victim = task_cpu_cgroup_id(next, btf);
    struct cgw_cpu_stats *s = stats_of(q, victim);
    if (!s)
        return;
    if (throttled) {
        s->throttled_ns += delay;
        s->throttled_events += 1;
        return;
    }
    s->runq_delay_ns += delay;
    s->runq_events += 1;
    if (delay > s->runq_max_ns)
        s->runq_max_ns = delay;
    __u32 bucket = cgw_hist_bucket(delay);
    barrier_var(bucket);
    if (bucket < CGW_HIST_BUCKETS)
        s->hist[bucket] += 1;

    if (CGW_READ(btf, prev->pid, prev, pid) == 0)
        return;
    __u64 antagonist = task_cpu_cgroup_id(prev, btf);
    /* Tasks of one cgroup taking turns is the commonest pair by far; it is
     * counted in the victim's per-CPU stats (see cgw_cpu_stats). */
    if (antagonist == victim) {
        s->self_preempt_delay_ns += delay;
        s->self_preempt_count += 1;
        return;
    }
    charge_antagonist(victim, antagonist, delay);
}

static __always_inline void on_migrate(struct task_struct *p, int dest_cpu, bool btf) {
    /* Only a queued task moves while waiting; a task being woken is placed
     * on its CPU before it is queued (on_rq still 0). */
    if (!CGW_READ(btf, p->on_rq, p, on_rq))
        return;
    struct queued *q = queued_slot(p, btf, false);
    if (!q || !q->since_ns)
        return;
    __u64 src_now = task_rq_clock(p, btf);
    __u64 dst_now = cpu_rq_clock(p, dest_cpu);
    if (!dst_now)
        return;
    if (src_now > q->since_ns)
        q->carried_ns += src_now - q->since_ns;
    q->since_ns = dst_now;
}

/* A task that blocks is not waiting, even if a wakeup raced with it (a wakeup
 * of a task still on its CPU starts no wait that ends at a switch-in). Rather
 * than clearing its wait here, a lookup of prev's storage on every blocking
 * switch, end_wait drops a wait if the task was switched out since it began:
 * every switch-out that does not block starts a new wait right here, so the
 * count only moves past a wait's start when the task blocked. */
static __always_inline void on_switch(struct task_struct *prev, struct task_struct *next,
                                      bool btf) {
    if (task_state(prev, btf) == CGW_TASK_RUNNING)
        start_wait(prev, btf);
    end_wait(prev, next, btf);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(btf_sched_wakeup, struct task_struct *p) {
    start_wait(p, true);
    return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(btf_sched_wakeup_new, struct task_struct *p) {
    start_wait(p, true);
    return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(btf_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next) {
    on_switch(prev, next, true);
    return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(btf_sched_migrate_task, struct task_struct *p, int dest_cpu) {
    on_migrate(p, dest_cpu, true);
    return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_sched_wakeup, struct task_struct *p) {
    start_wait(p, false);
    return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_sched_wakeup_new, struct task_struct *p) {
    start_wait(p, false);
    return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next) {
    on_switch(prev, next, false);
    return 0;
}

SEC("raw_tp/sched_migrate_task")
int BPF_PROG(raw_sched_migrate_task, struct task_struct *p, int dest_cpu) {
    on_migrate(p, dest_cpu, false);
    return 0;
}

/* Tasks that exit while waiting would leak raw_tp entries; task storage is
 * freed by the kernel with the task. */
SEC("raw_tp/sched_process_free")
int BPF_PROG(raw_sched_process_free, struct task_struct *p) {
    __u32 pid = BPF_CORE_READ(p, pid);
    bpf_map_delete_elem(&queued_by_pid, &pid);
    return 0;
}
