/* ABI between bpf/io.bpf.c and the daemon: map keys and values, ring buffer
 * events. Fixed-width types only; every counter is cumulative since load. */
#ifndef CGWARDEN_IO_ABI_H
#define CGWARDEN_IO_ABI_H

#include "cgwarden/histogram_abi.h"

enum {
    /* (cgroup, device, op class) entries, per CPU; the excess is counted in
     * cgw_io_drops. */
    CGW_IO_MAX_STATS = 8192,
    /* Requests tracked between insert and completion, node-wide: far more
     * than the sum of the devices' queue depths. */
    CGW_IO_MAX_REQUESTS = 16384,
    /* Disks with requests tracked. */
    CGW_IO_MAX_DEVICES = 256,
    /* Cgroups with requests in flight on one disk at the same time: each
     * arrival reads them all, so they stay few (a power of two). */
    CGW_IO_DEVICE_SLOTS = 16,
    /* (waiter, cgroup ahead, device) triples; LRU, so the pairs that keep
     * causing delay stay. */
    CGW_IO_MAX_QUEUED_BEHIND = 16384,
    CGW_IO_RINGBUF_BYTES = 256 * 1024,
    /* The kernel's dev_t layout (MINORBITS): dev = major << 20 | minor. */
    CGW_IO_MINOR_BITS = 20,
};

#define CGW_IO_DEV(major, minor) (((cgw_u32)(major) << CGW_IO_MINOR_BITS) | (cgw_u32)(minor))

/* Op classes. The kernel's REQ_OP_* values are mapped in io_request.h. */
enum cgw_io_op {
    CGW_IO_OP_READ = 0,
    CGW_IO_OP_WRITE = 1,   /* write, write zeroes, zone append */
    CGW_IO_OP_FLUSH = 2,   /* cache flush */
    CGW_IO_OP_DISCARD = 3, /* discard, secure erase */
    CGW_IO_OP_OTHER = 4,   /* zone management, driver private (passthrough) */
    CGW_IO_OP_COUNT = 5,
};

struct cgw_io_key {
    cgw_u64 cgroup; /* blkio cgroup of the request (see ARCHITECTURE.md) */
    cgw_u32 dev;    /* whole disk, CGW_IO_DEV(major, minor) */
    cgw_u32 op;     /* enum cgw_io_op */
};

/* Per (cgroup, device, op class) counters, one copy per CPU. */
struct cgw_io_stats {
    cgw_u64 ops; /* completed requests */
    cgw_u64 bytes;
    cgw_u64 device_max_ns; /* longest issue -> completion */
    cgw_u64 queue_max_ns;  /* longest insert -> issue */
    cgw_u64 device_ns;     /* sum of issue -> completion: a histogram's sum */
    cgw_u64 queue_ns;      /* sum of insert -> issue */
    cgw_u64 device_hist[CGW_HIST_BUCKETS];
    cgw_u64 queue_hist[CGW_HIST_BUCKETS];
};

struct cgw_io_behind_key {
    cgw_u64 waiter_cgroup; /* cgroup whose request waited */
    cgw_u64 ahead_cgroup;  /* cgroup with requests in flight when it arrived */
    cgw_u32 dev;
    cgw_u32 pad;
};

struct cgw_io_behind_value {
    cgw_u64 delay_ns; /* the waiter's latency, shared in proportion to requests ahead */
    cgw_u64 count;    /* waiter's requests that found this cgroup ahead */
};

/* A request whose latency (queue + device) exceeded the threshold. */
struct cgw_io_outlier {
    cgw_u64 completed_ns; /* CLOCK_MONOTONIC */
    cgw_u64 cgroup;
    cgw_u64 queue_ns;
    cgw_u64 device_ns;
    cgw_u64 bytes;
    cgw_u32 dev;
    cgw_u32 op;
};

/* Indexes of the cgw_io_drops per-CPU array: requests or events the programs
 * could not account, so data loss is never silent. */
enum cgw_io_drop {
    CGW_IO_DROP_STATS_FULL = 0,           /* stats map full */
    CGW_IO_DROP_REQUESTS_FULL = 1,        /* could not remember a request */
    CGW_IO_DROP_BEHIND_FULL = 2,          /* queued-behind triple not recorded */
    CGW_IO_DROP_SLOTS_FULL = 3,           /* request not counted as in flight: its
                                             disk had no free slot (or no entry) */
    CGW_IO_DROP_UNTRACKED = 4,            /* completion of a request not seen at issue
                                             (began before the programs attached) */
    CGW_IO_DROP_OUTLIER_RATE_LIMITED = 5, /* outlier over the per-CPU rate */
    CGW_IO_DROP_OUTLIER_RING_FULL = 6,    /* outlier lost: ring buffer full */
    CGW_IO_DROP_COUNT = 7,
};

#endif /* CGWARDEN_IO_ABI_H */
