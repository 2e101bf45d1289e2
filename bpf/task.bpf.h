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

/* The task's task group, through which task_cpu_cgroup_id finds the cgroup:
 * two tasks with the same one are in the same cpu cgroup. 0 without
 * CONFIG_CGROUP_SCHED. */
static __always_inline struct task_group *task_group_of(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(t->sched_task_group))
        return 0;
    return CGW_READ(btf, t->sched_task_group, t, sched_task_group);
}

/* Id of the cgroup that owns the cpu controller for the task: the task group's
 * cgroup, which lives in the v1 cpu hierarchy on hybrid nodes and in cgroup2 on
 * pure v2 nodes. Without CONFIG_CGROUP_SCHED there is no task group, and the
 * task's cgroup2 cgroup is the best owner there is. */
static __always_inline __u64 task_cpu_cgroup_id(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(t->sched_task_group))
        return CGW_READ(btf, t->cgroups->dfl_cgrp->kn->id, t, cgroups, dfl_cgrp, kn, id);
    struct task_group *tg = task_group_of(t, btf);
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

/* Kernels before 5.16 kept the CPU in task_struct, not in thread_info. */
struct task_struct___pre516 {
    unsigned int cpu;
};

/* The CPU whose run queue the task is on (or last ran on): task_cpu(). */
static __always_inline __u32 task_cpu_of(struct task_struct *t, bool btf) {
    if (bpf_core_field_exists(t->thread_info.cpu))
        return CGW_READ(btf, t->thread_info.cpu, t, thread_info.cpu);
    return BPF_CORE_READ((struct task_struct___pre516 *)t, cpu);
}

/* The scheduler's own wait bookkeeping (CONFIG_SCHED_INFO, what
 * /proc/<pid>/schedstat reports): when the task was queued on its run queue
 * (0 while it runs or sleeps), when it last got a CPU, and its total wait so
 * far. The wait under way is added to run_delay when the task gets a CPU, or
 * when it leaves a run queue still waiting (a migration). The daemon checks
 * that the fields exist before it loads the programs. */
static __always_inline __u64 task_last_queued(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(t->sched_info.last_queued))
        return 0;
    return CGW_READ(btf, t->sched_info.last_queued, t, sched_info.last_queued);
}

static __always_inline __u64 task_last_arrival(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(t->sched_info.last_arrival))
        return 0;
    return CGW_READ(btf, t->sched_info.last_arrival, t, sched_info.last_arrival);
}

static __always_inline __u64 task_run_delay(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(t->sched_info.run_delay))
        return 0;
    return CGW_READ(btf, t->sched_info.run_delay, t, sched_info.run_delay);
}

/* The clock of the task's run queue, as the scheduler last updated it: the
 * clock last_queued and last_arrival are stamped with. The scheduler updates
 * it before it enqueues a woken task and before it picks the next one, and
 * not between sched_switch and its own arrival stamp, so at sched_switch it is
 * the value the kernel is about to write into next's last_arrival. The run
 * queue is reached through the task's cfs_rq, set for tasks of every class
 * (per-CPU kernel symbols need CONFIG_KALLSYMS_ALL, which many kernels lack);
 * the daemon checks the link exists (CONFIG_FAIR_GROUP_SCHED). */
static __always_inline __u64 task_rq_clock(struct task_struct *t, bool btf) {
    if (!bpf_core_field_exists(t->se.cfs_rq) || !bpf_core_field_exists(struct cfs_rq, rq))
        return 0;
    return CGW_READ(btf, t->se.cfs_rq->rq->clock, t, se.cfs_rq, rq, clock);
}

#endif /* CGWARDEN_TASK_BPF_H */
