/* CO-RE reads of scheduler state shared by the CPU programs. BPF only. */
#ifndef CGWARDEN_TASK_BPF_H
#define CGWARDEN_TASK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

#define CGW_TASK_RUNNING 0
/* Typed (tp_btf) pointers: plain loads, CO-RE relocated. Untyped (raw_tp):
 * bpf_probe_read_kernel per hop. `btf` is a constant after inlining, so the
 * raw_tp programs never contain the direct loads. */
#define CGW_READ(btf, direct, ...) ((btf) ? (direct) : BPF_CORE_READ(__VA_ARGS__))

/* Kernels before 5.14 named the field `state`. */
struct task_struct___pre514 {
    long state;
};

static __always_inline long task_state(struct task_struct *t, bool btf) {
    if (bpf_core_field_exists(t->__state))
        return CGW_READ(btf, t->__state, t, __state);
    return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* Id of the cgroup that owns the cpu controller for the task: the task group's
 * cgroup, which lives in the v1 cpu hierarchy on hybrid nodes and in cgroup2 on
 * pure v2 nodes. Without CONFIG_CGROUP_SCHED there is no task group, and the
 * task's cgroup2 cgroup is the best owner there is. */
static __always_inline __u64 task_cpu_cgroup_id(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(t->sched_task_group))
        return CGW_READ(btf, t->cgroups->dfl_cgrp->kn->id, t, cgroups, dfl_cgrp, kn, id);
    struct task_group *tg = CGW_READ(btf, t->sched_task_group, t, sched_task_group);
    struct cgroup *cgrp = CGW_READ(btf, tg->css.cgroup, tg, css.cgroup);
    /* Autogroup task groups (CONFIG_SCHED_AUTOGROUP, tasks of the root cgroup
     * grouped by session) have no cgroup; they hang off the root task group. */
    if (!cgrp)
        cgrp = CGW_READ(btf, tg->parent->css.cgroup, tg, parent, css.cgroup);
    return CGW_READ(btf, cgrp->kn->id, cgrp, kn, id);
}

/* True while the task's CFS bandwidth group (or an ancestor) is throttled.
 * throttle_count is a plain int on every kernel with CFS bandwidth; the
 * `throttled` bit-field crashes clang 14 on recent BTF, so it is not used. */
static __always_inline bool task_cfs_throttled(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(struct cfs_rq, throttle_count))
        return false;
    return CGW_READ(btf, t->se.cfs_rq->throttle_count, t, se.cfs_rq, throttle_count) > 0;
}

/* Times the task was switched out, voluntarily or not: the scheduler counts a
 * switch right before sched_switch fires (every kernel since 2.6), so at
 * sched_switch prev's count already includes the switch under way. */
static __always_inline __u64 task_switches(struct task_struct *t, bool btf) {
    if (btf)
        return t->nvcsw + t->nivcsw;
    /* raw_tp: one probe read for both where they sit side by side, as they do
     * in every kernel so far; a probe read is a helper call. */
    unsigned long n[2] = {};
    if (bpf_core_field_offset(t->nivcsw) == bpf_core_field_offset(t->nvcsw) + sizeof(n[0])) {
        bpf_core_read(n, sizeof(n), &t->nvcsw);
        return n[0] + n[1];
    }
    return BPF_CORE_READ(t, nvcsw) + BPF_CORE_READ(t, nivcsw);
}

/* The clock of the task's run queue, as the scheduler last updated it. Wait
 * times are measured on it, like the kernel's own schedstat run_delay: the
 * scheduler updates it just before it enqueues a woken task and before it
 * picks the next one, so a pick that takes microseconds does not count as
 * waiting. The run queue is reached through the task's cfs_rq, set for tasks
 * of every class (per-CPU kernel symbols need CONFIG_KALLSYMS_ALL, which many
 * kernels lack). Without CONFIG_FAIR_GROUP_SCHED there is no such link, and
 * the monotonic clock, a few µs later at each end, is what is left. */
static __always_inline __u64 task_rq_clock(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(t->se.cfs_rq) || !bpf_core_field_exists(struct cfs_rq, rq))
        return bpf_ktime_get_ns();
    return CGW_READ(btf, t->se.cfs_rq->rq->clock, t, se.cfs_rq, rq, clock);
}

/* The clock of another CPU's run queue, reached through the task's group:
 * task_group->cfs_rq[cpu]->rq. 0 when the kernel has no such link. */
static __always_inline __u64 cpu_rq_clock(struct task_struct *t, int cpu) {
    if (!bpf_core_field_exists(struct task_group, cfs_rq) || cpu < 0 || cpu >= 8192)
        return 0;
    struct cfs_rq **per_cpu = BPF_CORE_READ(t, sched_task_group, cfs_rq);
    struct cfs_rq *cfs = 0;
    if (!per_cpu || bpf_probe_read_kernel(&cfs, sizeof(cfs), per_cpu + cpu) || !cfs)
        return 0;
    return BPF_CORE_READ(cfs, rq, clock);
}

#endif /* CGWARDEN_TASK_BPF_H */
