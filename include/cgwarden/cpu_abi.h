/* ABI between bpf/cpu.bpf.c and the daemon: map keys and values.
 * Fixed-width types only; every counter is cumulative since load. */
#ifndef CGWARDEN_CPU_ABI_H
#define CGWARDEN_CPU_ABI_H

#include "cgwarden/histogram_abi.h"

enum {
    /* Cgroups in the per-CPU hash (those without a stats slot), and the most
     * slots the daemon sizes the slot array to; a cgroup that finds neither a
     * slot nor room in the hash is lost, counted in cgw_cpu_drops. */
    CGW_CPU_MAX_CGROUPS = 4096,
    /* (victim, antagonist) pairs; LRU, so the pairs that keep causing delay stay. */
    CGW_CPU_MAX_PREEMPT_PAIRS = 16384,
    /* Wait records per CPU (bpf/cpu.bpf.c wait_records), indexed by the low
     * bits of the pid: a power of two, and a constant, since a size read
     * from a map costs a memory access per switch. */
    CGW_CPU_WAIT_RECORDS = 512,
};

/* Per cpu-cgroup counters, one copy per CPU (summed by the daemon). */
struct cgw_cpu_stats {
    /* In a slot: its owner, written into every CPU's copy by the daemon when it
     * gives the slot (0: free). In the hash: 0, the key says whose. */
    cgw_u64 cgroup_id;
    cgw_u64 runq_delay_ns; /* wakeup/preemption -> on CPU, excluding throttled waits */
    cgw_u64 runq_events;   /* number of such waits */
    cgw_u64 runq_max_ns;   /* longest single wait */
    cgw_u64 throttled_ns;  /* waits that began while the task's CFS group was throttled */
    cgw_u64 throttled_events;
    /* Waits ended by a task of the same cgroup: the (id, id) preemption pair,
     * the commonest one, kept here per CPU rather than in the shared pair map
     * (no hash lookup, no atomics on the hot path). */
    cgw_u64 self_preempt_delay_ns;
    cgw_u64 self_preempt_count;
    cgw_u64 hist[CGW_HIST_BUCKETS]; /* runq delay histogram, see histogram_abi.h */
};

/* What the programs know of a task's wait that its sched_info does not say
 * (bpf/cpu.bpf.c). A record belongs to the wait after one arrival of one
 * task: task and arrival_ns match the task and its sched_info.last_arrival.
 * The daemon only sizes the map. */
struct cgw_wait_record {
    cgw_u64 task;         /* the task_struct's address */
    cgw_u64 arrival_ns;   /* its last_arrival this record was written for */
    cgw_u64 run_delay_ns; /* its run_delay right after that arrival */
    /* What the last task to use the record resolved, kept across waits and
     * tasks (see cgroup_of): the serial number of a cpu css (unique for the
     * boot, never reused; 0: none), the id of its cgroup, and that cgroup's
     * stats slot (CGW_CPU_NO_SLOT: not looked up yet). */
    cgw_u64 css_serial;
    cgw_u64 cgroup_id;
    cgw_u32 slot;
    cgw_u32 throttled; /* the wait began while the task's group was throttled */
};

#define CGW_CPU_NO_SLOT 0xffffffffu

struct cgw_preempt_key {
    cgw_u64 victim_cgroup;     /* cgroup of the task that waited */
    cgw_u64 antagonist_cgroup; /* cgroup of the task that held the CPU when it got it */
};

struct cgw_preempt_value {
    cgw_u64 delay_ns;
    cgw_u64 count;
};

/* Indexes of the cgw_cpu_drops per-CPU array: events the programs could not
 * account, so data loss is never silent. */
enum cgw_cpu_drop {
    CGW_CPU_DROP_STATS_FULL = 0, /* cgroup stats map full */
    /* A waiting task's wait record was taken by a task whose pid shares its
     * low bits: the part of the wait spent on another CPU before a move, or
     * the mark that it began throttled (then counted as run-queue delay), is
     * lost. */
    CGW_CPU_DROP_RECORD_TAKEN = 1,
    CGW_CPU_DROP_PREEMPT_FULL = 2, /* preemption pair could not be recorded */
    CGW_CPU_DROP_COUNT = 3,
};

#endif /* CGWARDEN_CPU_ABI_H */
