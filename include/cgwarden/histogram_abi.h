/* Log-linear latency histogram shared by the BPF programs and the daemon.
 *
 * Values are nanoseconds. Below 1 µs there are four linear buckets of 256 ns;
 * above, every power of two is split into four equal sub-buckets, so a bucket is
 * never wider than 25% of its lower bound. That keeps p99 useful at every scale
 * from a few µs of run-queue delay to seconds of throttling, in 116 buckets.
 *
 * This header is plain C with fixed-width types: it is compiled into BPF
 * objects (with vmlinux.h) and into C++ (with <stdint.h>).
 */
#ifndef CGWARDEN_HISTOGRAM_ABI_H
#define CGWARDEN_HISTOGRAM_ABI_H

#ifndef __VMLINUX_H__
#include <stdint.h>
typedef uint64_t cgw_u64;
typedef uint32_t cgw_u32;
#else
typedef __u64 cgw_u64;
typedef __u32 cgw_u32;
#endif

enum {
    CGW_HIST_UNIT_SHIFT = 8, /* 256 ns: the finest resolution worth a bucket */
    CGW_HIST_SUB_BITS = 2,   /* 4 sub-buckets per power of two */
    CGW_HIST_SUB = 1 << CGW_HIST_SUB_BITS,
    CGW_HIST_MAX_MSB = 29, /* 2^29 units of 256 ns = 137 s; larger values saturate */
    CGW_HIST_BUCKETS = (CGW_HIST_MAX_MSB - CGW_HIST_SUB_BITS + 2) * CGW_HIST_SUB,
};

/* Index of the most significant set bit of a non-zero value, without loops or
 * __builtin_clz (the BPF backend has no count-leading-zeros instruction). */
static inline cgw_u32 cgw_msb64(cgw_u64 v) {
    cgw_u32 r = 0;
    if (v >> 32) {
        v >>= 32;
        r += 32;
    }
    if (v >> 16) {
        v >>= 16;
        r += 16;
    }
    if (v >> 8) {
        v >>= 8;
        r += 8;
    }
    if (v >> 4) {
        v >>= 4;
        r += 4;
    }
    if (v >> 2) {
        v >>= 2;
        r += 2;
    }
    if (v >> 1)
        r += 1;
    return r;
}

static inline cgw_u32 cgw_hist_bucket(cgw_u64 ns) {
    cgw_u64 units = ns >> CGW_HIST_UNIT_SHIFT;
    if (units < CGW_HIST_SUB)
        return (cgw_u32)units;
    cgw_u32 msb = cgw_msb64(units);
    if (msb > CGW_HIST_MAX_MSB)
        return CGW_HIST_BUCKETS - 1;
    cgw_u32 sub = (cgw_u32)(units >> (msb - CGW_HIST_SUB_BITS)) - CGW_HIST_SUB;
    return (msb - CGW_HIST_SUB_BITS + 1) * CGW_HIST_SUB + sub;
}

#endif /* CGWARDEN_HISTOGRAM_ABI_H */
