/* ABI between bpf/net.bpf.c and the daemon: map keys and values, ring-buffer
 * events. Fixed-width types only; every counter is cumulative since load.
 *
 * Includers define struct bpf_spin_lock first: vmlinux.h on the BPF side,
 * <linux/bpf.h> in C++.
 */
#ifndef CGWARDEN_NET_ABI_H
#define CGWARDEN_NET_ABI_H

#include "cgwarden/histogram_abi.h"

#ifndef __VMLINUX_H__
typedef uint16_t cgw_u16;
typedef uint8_t cgw_u8;
#else
typedef __u16 cgw_u16;
typedef __u8 cgw_u8;
#endif

enum {
    /* cgroup2 cgroups with traffic; the excess is counted in cgw_net_lost. */
    CGW_NET_MAX_CGROUPS = 4096,
    /* Heartbeat flows the user may declare. */
    CGW_NET_MAX_FLOWS = 64,
    /* (flow, reason) and (cgroup, reason) drop counters. */
    CGW_NET_MAX_FLOW_DROPS = 1024,
    CGW_NET_MAX_CGROUP_DROPS = 16384,
    /* Cgroups with an egress token bucket. */
    CGW_NET_MAX_RATE_LIMITS = 1024,
    CGW_NET_RINGBUF_BYTES = 256 * 1024,
    /* Events each CPU may emit per second; a drop storm must not flood the
     * daemon. The excess is counted, not lost silently. */
    CGW_NET_EVENTS_PER_SEC_PER_CPU = 1000,
};

/* IPPROTO_* values, so the kernel's protocol byte is the key as is. */
enum cgw_net_proto {
    CGW_NET_PROTO_TCP = 6,
    CGW_NET_PROTO_UDP = 17,
};

/* A heartbeat flow: packets of this protocol whose source or destination
 * port is `port` (host byte order). */
struct cgw_flow_key {
    cgw_u16 port;
    cgw_u8 proto;
    cgw_u8 pad;
};

/* Filled by the daemon. */
#define CGW_NET_NO_SENDER (~(cgw_u64)0)

struct cgw_flow_config {
    cgw_u32 index; /* slot in the flow_stats array */
    cgw_u32 pad;
    cgw_u64 gap_limit_ns;  /* a gap between two sends above this is an event; 0: none */
    cgw_u64 sender_cgroup; /* only sends from this cgroup2 id count; 0: any sender;
                              CGW_NET_NO_SENDER: the declared sender's cgroup does not
                              exist now, no send counts */
};

struct cgw_flow_stats {
    cgw_u64 sent;     /* seen at cgroup_skb/egress */
    cgw_u64 received; /* seen at cgroup_skb/ingress, i.e. handed to the receiving socket */
    cgw_u64 dropped;  /* freed by kfree_skb anywhere in the stack */
    cgw_u64 retransmits;
    cgw_u64 last_send_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) of the latest send */
    /* Longest gap between two sends while gap_epoch (a global the daemon
     * bumps after each read) had the value gap_epoch_seen: the gap of the
     * window since the previous read, exact, without resetting counters. */
    cgw_u64 window_max_gap_ns;
    cgw_u64 gap_epoch_seen;
};

/* Per cgroup2 cgroup, one copy per CPU. */
struct cgw_cgroup_net_stats {
    cgw_u64 tx_packets;
    cgw_u64 tx_bytes; /* IP packet length, headers included */
    cgw_u64 rx_packets;
    cgw_u64 rx_bytes;
    cgw_u64 retransmits;
    /* Of its tx packets, those a queueing discipline dropped (reason
     * QDISC_DROP): counted in the same per-CPU value as tx_packets, so one
     * read sees both at the same instant. A flood's passed share is the
     * small difference of two large counts: read apart, the counts of the
     * microseconds between the reads would swamp it. */
    cgw_u64 tx_queue_drops;
};

/* Key of both drop maps: owner is a flow index (flow_drops) or a cgroup2 id
 * (cgroup_drops); reason is the kernel's enum skb_drop_reason value. */
struct cgw_drop_key {
    cgw_u64 owner;
    cgw_u32 reason;
    cgw_u32 pad;
};

/* Egress token bucket of one cgroup: the daemon sets rate and burst (which
 * resets the bucket to full); the program refills and spends. */
struct cgw_rate_limit {
    struct bpf_spin_lock lock;
    cgw_u32 pad;
    cgw_u64 rate_bytes_per_s;
    cgw_u64 burst_bytes;
    cgw_u64 tokens;  /* bytes that may leave now */
    cgw_u64 last_ns; /* last refill; 0 until the first packet */
    cgw_u64 dropped_packets;
    cgw_u64 dropped_bytes;
};

enum cgw_net_event_kind {
    CGW_NET_EVENT_DROP = 1, /* a heartbeat packet was dropped */
    CGW_NET_EVENT_GAP = 2,  /* a heartbeat flow sent after a gap above its limit */
};

struct cgw_net_event {
    cgw_u64 time_ns;   /* bpf_ktime_get_ns */
    cgw_u64 cgroup_id; /* sender (gap) or socket owner (drop, 0 when unknown) */
    cgw_u64 gap_ns;    /* CGW_NET_EVENT_GAP */
    cgw_u32 kind;      /* enum cgw_net_event_kind */
    cgw_u32 flow_index;
    cgw_u32 reason; /* CGW_NET_EVENT_DROP: enum skb_drop_reason value */
    cgw_u16 port;
    cgw_u8 proto;
    cgw_u8 pad;
};

/* Indexes of the cgw_net_lost per-CPU array: what the programs could not
 * record, so data loss is never silent. */
enum cgw_net_lost {
    CGW_NET_LOST_RING_FULL = 0,    /* event not delivered: ring buffer full */
    CGW_NET_LOST_RATE_LIMITED = 1, /* event not emitted: over the per-CPU rate */
    CGW_NET_LOST_CGROUP_FULL = 2,  /* cgroup traffic map full */
    CGW_NET_LOST_DROPS_FULL = 3,   /* a drop-by-reason map full */
    CGW_NET_LOST_COUNT = 4,
};

#endif /* CGWARDEN_NET_ABI_H */
