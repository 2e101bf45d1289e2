// What the running kernel offers to BPF, found by trying, never assumed.
#pragma once

#include <string>
#include <vector>

#include "cgwarden/cgroup/layout.h"
#include "cgwarden/common/result.h"

namespace cgw {

enum class AttachMode { TpBtf, RawTp };

std::string_view to_string(AttachMode mode);

struct KernelFeatures {
    std::string kernel_release;
    bool btf_vmlinux = false;         // /sys/kernel/btf/vmlinux
    bool tp_btf = false;              // a BTF-typed tracepoint program loads
    bool raw_tp = false;              // a raw tracepoint program loads
    bool ringbuf = false;             // BPF_MAP_TYPE_RINGBUF
    bool cgroup_skb = false;          // BPF_PROG_TYPE_CGROUP_SKB
    bool cfs_throttle_count = false;  // struct cfs_rq has throttle_count in BTF
    bool cfs_task_throttle = false;   // ... and throttles tasks, not whole groups (6.18+)
    // The scheduler's per-task wait stamps (CONFIG_SCHED_INFO, what
    // /proc/<pid>/schedstat shows) and the cfs_rq -> rq link to the run queue
    // clock they are taken on (CONFIG_FAIR_GROUP_SCHED): the CPU programs
    // measure with both.
    bool sched_info = false;
    bool bpf_stats_enabled = false;   // kernel.bpf_stats_enabled (run time per program)
    std::string tracefs;              // mount point, empty when not mounted
    bool kfree_skb_tp = false;        // skb:kfree_skb in BTF (packet drops)
    bool kfree_skb_reason = false;    // ... with the drop reason (5.17+)
    bool kfree_skb_rx_sk = false;     // ... and the receiving socket (6.12+)
    bool tcp_retransmit_tp = false;   // tcp:tcp_retransmit_skb in BTF
    bool tcp_retransmit_err = false;  // ... passing the attempt's error: it fires on failures too

    bool block_rq_request_only = false;  // block_rq_* tracepoints take the request alone (5.11+)
    bool bio_blkcg = false;              // struct bio has bi_blkg: IO charged to the bio's blkcg

    // The CPU programs' flavour: tp_btf when it works, else raw_tp; an error
    // when neither does or the scheduler keeps no wait stamps.
    Result<AttachMode> cpu_attach_mode() const;
    // The IO programs' flavour: tp_btf when it works, else raw_tp; an error
    // naming what is missing when the block tracepoints cannot be used.
    Result<AttachMode> io_attach_mode() const;
};

KernelFeatures probe_kernel_features();

// Mounts tracefs at /sys/kernel/tracing when no tracefs is mounted; returns
// the mount point. Classic tracepoints need it; tp_btf and raw_tp do not.
Result<std::string> ensure_tracefs();

}  // namespace cgw
