/* CO-RE reads of scheduler state shared by the CPU programs. BPF only. */
#ifndef CGWARDEN_TASK_BPF_H
#define CGWARDEN_TASK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

#define CGW_TASK_RUNNING 0

/* Kernels before 5.14 named the field `state`. */
struct task_struct___pre514 {
    long state;
};

static __always_inline long task_state(struct task_struct *t) {
    if (bpf_core_field_exists(t->__state))
        return BPF_CORE_READ(t, __state);
    return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* Id of the cgroup that owns the cpu controller for the task: the task group's
 * cgroup, which lives in the v1 cpu hierarchy on hybrid nodes and in cgroup2 on
 * pure v2 nodes. Without CONFIG_CGROUP_SCHED there is no task group, and the
 * task's cgroup2 cgroup is the best owner there is. */
static __always_inline __u64 task_cpu_cgroup_id(struct task_struct *t) {
    if (!bpf_core_field_exists(t->sched_task_group))
        return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
    struct task_group *tg = BPF_CORE_READ(t, sched_task_group);
    struct cgroup *cgrp = BPF_CORE_READ(tg, css.cgroup);
    /* Autogroup task groups (CONFIG_SCHED_AUTOGROUP, tasks of the root cgroup
     * grouped by session) have no cgroup; they hang off the root task group. */
    if (!cgrp)
        cgrp = BPF_CORE_READ(tg, parent, css.cgroup);
    return BPF_CORE_READ(cgrp, kn, id);
}

/* True while the task's CFS bandwidth group (or an ancestor) is throttled.
 * throttle_count is a plain int on every kernel with CFS bandwidth; the
 * `throttled` bit-field crashes clang 14 on recent BTF, so it is not used. */
static __always_inline bool task_cfs_throttled(struct task_struct *t) {
    if (!bpf_core_field_exists(struct cfs_rq, throttle_count))
        return false;
    return BPF_CORE_READ(t, se.cfs_rq, throttle_count) > 0;
}

#endif /* CGWARDEN_TASK_BPF_H */
