/* ABI between bpf/cgroup.bpf.c and the daemon: the events that keep its
 * cgroup id -> path maps current without walking cgroupfs every pass. */
#ifndef CGWARDEN_CGROUP_ABI_H
#define CGWARDEN_CGROUP_ABI_H

#include "cgwarden/histogram_abi.h"

enum {
    /* The kernel formats the tracepoints' path into a buffer of this size
     * (TRACE_CGROUP_PATH_LEN): a longer path is cut there as well. */
    CGW_CGROUP_PATH_MAX = 1024,
    /* 1 MiB: ~1,000 events between two drains, ten times a churn of 100
     * cgroups a second on three hierarchies. */
    CGW_CGROUP_RINGBUF_BYTES = 1024 * 1024,
};

enum cgw_cgroup_event_kind {
    CGW_CGROUP_MKDIR = 0,
    CGW_CGROUP_RMDIR = 1,
    /* The path is the new one; every descendant's path changed as well. */
    CGW_CGROUP_RENAME = 2,
};

/* One cgroup made, removed or renamed, in any hierarchy: the daemon tells
 * which by the path's inode in each mount it keeps. */
struct cgw_cgroup_event {
    cgw_u64 id;   /* kernfs node id: the inode number of its directory */
    cgw_u32 kind; /* enum cgw_cgroup_event_kind */
    cgw_u32 pad;
    char path[CGW_CGROUP_PATH_MAX]; /* from its hierarchy's root, "/a/b"; NUL-terminated */
};

#ifdef __cplusplus
static_assert(sizeof(struct cgw_cgroup_event) == 16 + CGW_CGROUP_PATH_MAX,
              "cgw_cgroup_event: two words and the path, no padding");
#else
_Static_assert(sizeof(struct cgw_cgroup_event) == 16 + CGW_CGROUP_PATH_MAX,
               "cgw_cgroup_event: two words and the path, no padding");
#endif

#endif /* CGWARDEN_CGROUP_ABI_H */
