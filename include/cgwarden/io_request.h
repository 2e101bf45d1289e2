/* The life of one block request as cgwarden tracks it, as plain functions of
 * its state and the clock. Compiled into bpf/io.bpf.c and into the unit tests,
 * so the rules below are tested without a kernel.
 *
 *   arrival   block_rq_insert, or block_rq_issue for a request the block layer
 *             issued without inserting it (or that was queued before load)
 *   issue     block_rq_issue; again after a requeue (the device refused it)
 *   complete  block_rq_complete with the request's last bytes
 *
 * Queue latency is arrival -> last issue, device latency last issue ->
 * completion. A request whose issue was never seen cannot be timed and is
 * not accounted (counted as untracked instead of producing garbage).
 */
#ifndef CGWARDEN_IO_REQUEST_H
#define CGWARDEN_IO_REQUEST_H

#include "cgwarden/io_abi.h"

struct cgw_io_request {
    cgw_u64 arrived_ns;
    cgw_u64 issued_ns; /* 0 until issued */
    cgw_u64 cgroup;
    cgw_u64 bytes;
    cgw_u32 dev;
    cgw_u32 op;
    cgw_u32 requeued; /* handed back to the queue by the driver; keeps its arrival */
    cgw_u32 slot;     /* the device slot it is counted in; CGW_IO_DEVICE_SLOTS: none */
};

struct cgw_io_latency {
    cgw_u64 queue_ns;
    cgw_u64 device_ns;
};

/* The kernel's REQ_OP_* numbers (include/linux/blk_types.h), stable since 4.10. */
enum {
    CGW_REQ_OP_MASK = 0xff,
    CGW_REQ_OP_READ = 0,
    CGW_REQ_OP_WRITE = 1,
    CGW_REQ_OP_FLUSH = 2,
    CGW_REQ_OP_DISCARD = 3,
    CGW_REQ_OP_SECURE_ERASE = 5,
    CGW_REQ_OP_WRITE_ZEROES = 9,
    CGW_REQ_OP_ZONE_APPEND = 13,
};

static inline cgw_u32 cgw_io_op_class(cgw_u32 cmd_flags) {
    switch (cmd_flags & CGW_REQ_OP_MASK) {
        case CGW_REQ_OP_READ:
            return CGW_IO_OP_READ;
        case CGW_REQ_OP_WRITE:
        case CGW_REQ_OP_WRITE_ZEROES:
        case CGW_REQ_OP_ZONE_APPEND:
            return CGW_IO_OP_WRITE;
        case CGW_REQ_OP_FLUSH:
            return CGW_IO_OP_FLUSH;
        case CGW_REQ_OP_DISCARD:
        case CGW_REQ_OP_SECURE_ERASE:
            return CGW_IO_OP_DISCARD;
        default:
            return CGW_IO_OP_OTHER;
    }
}

/* The part of the waiter's latency charged to a cgroup that had `count` of
 * the `total` requests of other cgroups in flight with it. */
static inline cgw_u64 cgw_io_share_ns(cgw_u64 latency_ns, cgw_u64 count, cgw_u64 total) {
    return total ? latency_ns * count / total : 0;
}

/* A request found at insert was either handed back by the driver (requeue:
 * it keeps its arrival) or is the leftover of a request whose end was never
 * seen, which the caller releases before tracking the new one. */
static inline int cgw_io_insert_is_requeue(const struct cgw_io_request *r) {
    return r->requeued != 0;
}

static inline void cgw_io_requeue(struct cgw_io_request *r) {
    r->requeued = 1;
}

/* Every issue restarts the device clock: after a requeue the device latency
 * is that of the attempt that completed. bytes is the size at issue, when
 * the scheduler can no longer merge into it. */
static inline void cgw_io_issue(struct cgw_io_request *r, cgw_u64 now_ns, cgw_u64 bytes) {
    r->issued_ns = now_ns;
    r->bytes = bytes;
    r->requeued = 0;
}

/* block_rq_complete also reports partial completions (drivers that finish a
 * request in pieces); only the one that covers the remaining bytes ends it. */
static inline int cgw_io_completion_is_final(cgw_u32 nr_bytes, cgw_u32 remaining_bytes) {
    return nr_bytes >= remaining_bytes;
}

/* 1 and the latencies when the request can be timed, 0 when its issue was
 * never seen. A clock that went back (never on one CPU's monotonic clock,
 * but cheap to rule out) yields 0, never a huge unsigned difference. */
static inline int cgw_io_complete(const struct cgw_io_request *r, cgw_u64 now_ns,
                                  struct cgw_io_latency *out) {
    if (!r->issued_ns)
        return 0;
    out->queue_ns = r->issued_ns > r->arrived_ns ? r->issued_ns - r->arrived_ns : 0;
    out->device_ns = now_ns > r->issued_ns ? now_ns - r->issued_ns : 0;
    return 1;
}

#endif /* CGWARDEN_IO_REQUEST_H */
