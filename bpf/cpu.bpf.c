// SPDX-License-Identifier: GPL-2.0
/* CPU contention per cpu cgroup: run-queue delay, throttled waits and who held
 * the CPU while a task waited.
 *
 * The waits are the scheduler's own (CONFIG_SCHED_INFO, the run_delay of
 * /proc/<pid>/schedstat): a task waits from the moment it is queued on a run
 * queue (woken, new, or switched out still runnable) until it is switched in,
 * and the kernel stamps both ends with the run queue's clock. So sched_switch
 * alone measures a wait: next's last_queued to now. Nothing is kept per task
 * on the hot path but one record per CPU and pid slot (wait_records), which
 * carries what the kernel's stamps do not:
 *   - a wait that moved between CPUs: the kernel adds the part spent on the
 *     old run queue to run_delay and queues the task afresh on the new one, so
 *     the record keeps run_delay as of the task's last arrival, and moves with
 *     the task (sched_migrate_task);
 *   - whether the wait began while the task's CFS bandwidth group was
 *     throttled (switched out throttled; or, where the kernel throttles whole
 *     groups, woken into a throttled one, see on_wakeup);
 *   - the task's cgroup and its stats slot, cached (see cgroup_of, stats_of).
 * The wait is charged to the task's cpu cgroup, and the cgroup of the task
 * that had the CPU right before the waiter got it is recorded as the
 * antagonist.
 *
 * Two attach flavours share the logic, chosen by the constant `btf` once
 * inlined: tp_btf programs read kernel structures with plain loads through
 * their typed pointers; raw_tp programs, for kernels without tp_btf, read with
 * bpf_probe_read_kernel (CO-RE).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "cgwarden/cpu_abi.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* CGW_CPU_WAIT_RECORDS records per CPU, at cpu * CGW_CPU_WAIT_RECORDS + the
 * low bits of the pid; the daemon sizes the map for every possible CPU. A
 * plain array rather than a per-CPU one: a migration writes the record into
 * the destination CPU's part, and the verifier inlines array lookups. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct cgw_wait_record);
} wait_records SEC(".maps");

/* Per-CPU stats of the cgroups the daemon gave a slot (CpuSlots): found
 * through the slot cached in the waiting task's wait record, an array lookup
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

static __always_inline struct cgw_wait_record *record_on(struct task_struct *t, __u32 cpu,
                                                         bool btf) {
    __u32 pid = CGW_READ(btf, t->pid, t, pid);
    __u32 index = cpu * CGW_CPU_WAIT_RECORDS + (pid & (CGW_CPU_WAIT_RECORDS - 1));
    return bpf_map_lookup_elem(&wait_records, &index);
}

static __always_inline bool belongs(const struct cgw_wait_record *r, struct task_struct *t,
                                    __u64 arrival_ns) {
    return r->task == (__u64)t && r->arrival_ns == arrival_ns;
}

/* r is about to hold t's wait: another task's wait that began throttled, and
 * is still under way, loses its mark. */
static __always_inline void take(struct cgw_wait_record *r, struct task_struct *t) {
    if (r->task != (__u64)t && r->throttled)
        count_drop(CGW_CPU_DROP_RECORD_TAKEN);
}

/* Makes r the record of t's wait since its last arrival, for a task that is
 * running or not yet waiting: its run_delay is still what it was right after
 * that arrival. */
static __always_inline void claim(struct cgw_wait_record *r, struct task_struct *t, bool btf) {
    take(r, t);
    r->task = (__u64)t;
    r->arrival_ns = task_last_arrival(t, btf);
    r->run_delay_ns = task_run_delay(t, btf);
    r->throttled = 0;
}

/* t's wait begins now, on its CPU's run queue, with its group throttled. */
static __always_inline void mark_throttled(struct task_struct *t, bool btf) {
    struct cgw_wait_record *r = record_on(t, task_cpu_of(t, btf), btf);
    if (!r)
        return;
    if (!belongs(r, t, task_last_arrival(t, btf)))
        claim(r, t, btf);
    r->throttled = 1;
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

/* The cpu cgroup of t, whose task group is group, through what the record
 * last resolved: a css's serial number, read next to the task group's other
 * fields, names it for the whole boot, so a match spares the walk from the
 * task group to its cgroup's id (two more cache lines, and where every kernel
 * entry flushes the TLB, two more page walks). Tasks of one cgroup sharing a
 * record share the answer. */
static __always_inline __u64 cgroup_of(struct cgw_wait_record *r, struct task_struct *t,
                                       struct task_group *group, bool btf) {
    __u64 serial = group ? CGW_READ(btf, group->css.serial_nr, group, css.serial_nr) : 0;
    if (serial && serial == r->css_serial)
        return r->cgroup_id;
    __u64 id = task_cpu_cgroup_id(t, btf);
    r->css_serial = serial;
    if (id != r->cgroup_id) {
        r->cgroup_id = id;
        r->slot = CGW_CPU_NO_SLOT;
    }
    return id;
}

/* The stats of the record's cgroup: its slot when it has one, else its hash
 * entry. The slot's owner is checked on every use, since the daemon takes
 * slots back from cgroups that are gone and gives them to others, and cgroup
 * ids are reused: a stale cached slot is looked up again, never written. */
static __always_inline struct cgw_cpu_stats *stats_of(struct cgw_wait_record *r) {
    __u64 cgroup_id = r->cgroup_id;
    struct cgw_cpu_stats *s = 0;
    if (r->slot != CGW_CPU_NO_SLOT)
        s = slot_stats_of(r->slot, cgroup_id);
    if (!s) {
        __u32 *slot = bpf_map_lookup_elem(&slot_of_cgroup, &cgroup_id);
        if (slot) {
            r->slot = *slot;
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

/* next gets the CPU: the wait the kernel stamped in its last_queued ends now.
 * Its record is read for what came before (a part on another CPU, the
 * throttled mark) and rewritten for the wait after this arrival. */
static __always_inline void end_wait(struct task_struct *prev, struct task_struct *next, bool btf) {
    __u64 queued = task_last_queued(next, btf);
    if (!queued)
        return; /* the idle task, or a kernel without the stamps */
    __u64 now = task_rq_clock(next, btf);
    __u64 waited_here = now > queued ? now - queued : 0;
    __u64 delay = waited_here;
    __u64 run_delay = task_run_delay(next, btf);
    __u64 arrival = task_last_arrival(next, btf);
    struct cgw_wait_record *r = record_on(next, task_cpu_of(next, btf), btf);
    if (!r)
        return;
    bool throttled = false;
    if (belongs(r, next, arrival)) {
        /* What the kernel added to run_delay since the last arrival: the
         * parts of this wait on the run queues the task left. A record torn
         * by two CPUs writing it at once could say anything; a carry longer
         * than the whole time since the last arrival is such a one. */
        __u64 carried = run_delay - r->run_delay_ns;
        if (r->run_delay_ns <= run_delay && carried < now - arrival)
            delay += carried;
        throttled = r->throttled;
    } else {
        take(r, next);
        r->task = (__u64)next;
    }
    r->arrival_ns = now;
    r->run_delay_ns = run_delay + waited_here;
    r->throttled = 0;

    struct task_group *group = task_group_of(next, btf);
    __u64 victim = cgroup_of(r, next, group, btf);
    struct cgw_cpu_stats *s = stats_of(r);
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
    /* Tasks of one cgroup taking turns is the commonest pair by far; it is
     * counted in the victim's per-CPU stats (see cgw_cpu_stats). The same task
     * group settles it without reading prev's cgroup. */
    __u64 antagonist =
        group && group == task_group_of(prev, btf) ? victim : task_cpu_cgroup_id(prev, btf);
    if (antagonist == victim) {
        s->self_preempt_delay_ns += delay;
        s->self_preempt_count += 1;
        return;
    }
    charge_antagonist(victim, antagonist, delay);
}

/* p moves to dest_cpu: its record moves with it, so that the wait it may be
 * in, which the kernel now times afresh on dest_cpu's run queue, keeps its
 * earlier part (in run_delay) and its throttled mark. Fires before p's CPU
 * changes. */
static __always_inline void on_migrate(struct task_struct *p, int dest_cpu, bool btf) {
    __u32 src = task_cpu_of(p, btf);
    if (dest_cpu < 0 || src == (__u32)dest_cpu)
        return;
    struct cgw_wait_record *from = record_on(p, src, btf);
    struct cgw_wait_record *to = record_on(p, dest_cpu, btf);
    if (!from || !to)
        return;
    __u64 arrival = task_last_arrival(p, btf);
    if (belongs(from, p, arrival)) {
        take(to, p);
        *to = *from;
        return;
    }
    /* No record: fine for a sleeping task (woken onto another CPU, its
     * run_delay has not moved since it last ran) and for one that never ran
     * (all of its run_delay is this wait). A queued task's earlier part is
     * lost: its run_delay as of its last arrival is unknown. */
    bool queued = CGW_READ(btf, p->on_rq, p, on_rq);
    if (queued && arrival) {
        count_drop(CGW_CPU_DROP_RECORD_TAKEN);
        return;
    }
    claim(to, p, btf);
    if (queued)
        to->run_delay_ns = 0;
}

/* prev switched out still runnable (preempted, yielded, or throttled) starts
 * a wait that the kernel stamps; only a throttled start needs noting. */
static __always_inline void on_switch(struct task_struct *prev, struct task_struct *next,
                                      bool btf) {
    if (task_state(prev, btf) == CGW_TASK_RUNNING && task_cfs_throttled(prev, btf))
        mark_throttled(prev, btf);
    end_wait(prev, next, btf);
}

/* Where the kernel throttles whole groups (before 6.18), a task woken into a
 * throttled group waits on its run queue until the group is unthrottled. Where
 * it throttles tasks, a woken task runs until it would return to user space
 * and is switched out throttled there, which on_switch sees; the daemon then
 * does not attach these programs. */
static __always_inline void on_wakeup(struct task_struct *p, bool btf) {
    if (task_cfs_throttled(p, btf))
        mark_throttled(p, btf);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(btf_sched_wakeup, struct task_struct *p) {
    on_wakeup(p, true);
    return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(btf_sched_wakeup_new, struct task_struct *p) {
    on_wakeup(p, true);
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
    on_wakeup(p, false);
    return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_sched_wakeup_new, struct task_struct *p) {
    on_wakeup(p, false);
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
