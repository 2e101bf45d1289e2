/* CO-RE reads of block layer state shared by the IO programs. BPF only. */
#ifndef CGWARDEN_BLOCK_BPF_H
#define CGWARDEN_BLOCK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "cgwarden/io_abi.h"

/* Kernels before 5.16 reached the disk through the request, not the queue. */
struct request___pre516 {
    struct gendisk *rq_disk;
};

/* The whole disk the request is for (io.stat and io.max name disks, not
 * partitions), as CGW_IO_DEV(major, minor). */
static __always_inline __u32 request_dev(struct request *rq) {
    struct gendisk *disk;
    if (bpf_core_field_exists(struct request_queue, disk))
        disk = BPF_CORE_READ(rq, q, disk);
    else
        disk = BPF_CORE_READ((struct request___pre516 *)rq, rq_disk);
    return CGW_IO_DEV(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor));
}

/* The blkio cgroup of the submitting task (cgroup2 id on pure v2, the v1
 * blkio hierarchy's on hybrid nodes): the owner of requests without a bio
 * (the flush machinery's own requests) or with a bio never given a blkg. */
static __always_inline __u64 task_blkcg_id(void) {
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    /* The subsystem's index differs between kernel configs: relocated. */
    int io = bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id);
    struct css_set *cgroups = BPF_CORE_READ(t, cgroups);
    struct cgroup_subsys_state *css = 0;
    if (io < 0 || !cgroups || bpf_probe_read_kernel(&css, sizeof(css), &cgroups->subsys[io]) ||
        !css)
        return bpf_get_current_cgroup_id();
    return BPF_CORE_READ(css, cgroup, kn, id);
}

/* The cgroup the IO belongs to: the blkcg of the request's first bio, set by
 * the submitter, so writeback issued by kworkers is charged to the cgroup
 * that dirtied the pages. Without CONFIG_BLK_CGROUP (no bio->bi_blkg) the
 * submitting task's cgroup2 cgroup is the best owner there is. */
static __always_inline __u64 request_cgroup_id(struct request *rq) {
    if (!bpf_core_field_exists(struct bio, bi_blkg))
        return bpf_get_current_cgroup_id();
    struct blkcg_gq *blkg = BPF_CORE_READ(rq, bio, bi_blkg);
    if (!blkg)
        return task_blkcg_id();
    return BPF_CORE_READ(blkg, blkcg, css.cgroup, kn, id);
}

static __always_inline __u32 request_op(struct request *rq) {
    return (__u32)BPF_CORE_READ(rq, cmd_flags);
}

static __always_inline __u32 request_bytes(struct request *rq) {
    return BPF_CORE_READ(rq, __data_len);
}

#endif /* CGWARDEN_BLOCK_BPF_H */
