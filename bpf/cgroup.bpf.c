// SPDX-License-Identifier: GPL-2.0
/* Cgroups made, removed and renamed, in every hierarchy: the daemon keeps its
 * id -> path maps current from these instead of walking cgroupfs every pass.
 *
 * The tracepoints pass the cgroup and its path from the hierarchy's root,
 * which the kernel formats only while a probe is attached (TRACE_CGROUP_PATH).
 * A record that does not fit in the ring is counted in cgroup_events_lost:
 * the daemon then walks the hierarchies once more. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "cgwarden/cgroup_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, CGW_CGROUP_RINGBUF_BYTES);
} cgroup_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} cgroup_events_lost SEC(".maps");

static __always_inline void emit(__u32 kind, struct cgroup *cgrp, const char *path) {
    struct cgw_cgroup_event *e = bpf_ringbuf_reserve(&cgroup_events, sizeof(*e), 0);
    if (!e) {
        __u32 zero = 0;
        __u64 *lost = bpf_map_lookup_elem(&cgroup_events_lost, &zero);
        if (lost)
            *lost += 1;
        return;
    }
    e->id = BPF_CORE_READ(cgrp, kn, id);
    e->kind = kind;
    e->pad = 0;
    if (bpf_probe_read_kernel_str(e->path, sizeof(e->path), path) < 0)
        e->path[0] = '\0';
    bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(btf_cgroup_mkdir, struct cgroup *cgrp, const char *path) {
    emit(CGW_CGROUP_MKDIR, cgrp, path);
    return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(btf_cgroup_rmdir, struct cgroup *cgrp, const char *path) {
    emit(CGW_CGROUP_RMDIR, cgrp, path);
    return 0;
}

SEC("tp_btf/cgroup_rename")
int BPF_PROG(btf_cgroup_rename, struct cgroup *cgrp, const char *path) {
    emit(CGW_CGROUP_RENAME, cgrp, path);
    return 0;
}

SEC("raw_tp/cgroup_mkdir")
int BPF_PROG(raw_cgroup_mkdir, struct cgroup *cgrp, const char *path) {
    emit(CGW_CGROUP_MKDIR, cgrp, path);
    return 0;
}

SEC("raw_tp/cgroup_rmdir")
int BPF_PROG(raw_cgroup_rmdir, struct cgroup *cgrp, const char *path) {
    emit(CGW_CGROUP_RMDIR, cgrp, path);
    return 0;
}

SEC("raw_tp/cgroup_rename")
int BPF_PROG(raw_cgroup_rename, struct cgroup *cgrp, const char *path) {
    emit(CGW_CGROUP_RENAME, cgrp, path);
    return 0;
}
