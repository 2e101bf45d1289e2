// SPDX-License-Identifier: GPL-2.0
/* Network signals per cgroup2 cgroup and per heartbeat flow.
 *
 * cgroup_skb/egress and /ingress, attached to the cgroup2 root, see every IP
 * packet a socket of any cgroup sends or receives: they count traffic per
 * cgroup (the socket's cgroup2 id), count heartbeat packets per flow and time
 * the gaps between a flow's sends. Egress also enforces an optional
 * per-cgroup token bucket.
 *
 * skb:kfree_skb sees every packet the stack drops, wherever (qdisc, socket
 * buffer, netfilter, ...), with the kernel's reason: drops of a heartbeat flow
 * are counted by reason and sent as events; drops of any IP packet are counted
 * per cgroup by reason where the packet's socket names the cgroup.
 * tcp:tcp_retransmit_skb counts retransmits per flow and cgroup.
 *
 * The tracepoints come in two flavours sharing one body, like the CPU
 * programs: btf_* (tp_btf) and raw_* (raw_tp).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cgwarden/net_abi.h"
#include "packet.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define NSEC_PER_SEC 1000000000ULL
#define CGW_TCP_TIME_WAIT 6
#define CGW_TCP_NEW_SYN_RECV 12

/* Which arguments skb:kfree_skb passes on this kernel, from its BTF, set
 * before load. Constants to the verifier: the branch reading an argument the
 * kernel lacks is dead code and never checked. */
const volatile bool kfree_skb_has_reason = false; /* 5.17+ */
const volatile bool kfree_skb_has_rx_sk = false;  /* 6.12+: the receiving socket */
/* tcp_retransmit_skb passes the attempt's error (newer kernels, not 6.1): it
 * then fires after failed attempts too, which retransmitted nothing. */
const volatile bool tcp_retransmit_has_err = false;

/* Bumped by the daemon after each read: see cgw_flow_stats.window_max_gap_ns. */
volatile __u64 gap_epoch = 0;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, CGW_NET_MAX_FLOWS);
    __type(key, struct cgw_flow_key);
    __type(value, struct cgw_flow_config);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, CGW_NET_MAX_FLOWS);
    __type(key, __u32);
    __type(value, struct cgw_flow_stats);
} flow_stats SEC(".maps");

/* Not preallocated: only cgroups with traffic cost memory. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, CGW_NET_MAX_CGROUPS);
    __type(key, __u64);
    __type(value, struct cgw_cgroup_net_stats);
} cgroup_net SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, CGW_NET_MAX_FLOW_DROPS);
    __type(key, struct cgw_drop_key);
    __type(value, __u64);
} flow_drops SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, CGW_NET_MAX_CGROUP_DROPS);
    __type(key, struct cgw_drop_key);
    __type(value, __u64);
} cgroup_drops SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, CGW_NET_MAX_RATE_LIMITS);
    __type(key, __u64);
    __type(value, struct cgw_rate_limit);
} rate_limits SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, CGW_NET_RINGBUF_BYTES);
} events SEC(".maps");

struct event_budget {
    __u64 window_start_ns;
    __u64 emitted;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct event_budget);
} event_budgets SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, CGW_NET_LOST_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} net_lost SEC(".maps");

static const struct cgw_cgroup_net_stats zero_cgroup_stats;

static __always_inline void count_lost(__u32 what) {
    __u64 *n = bpf_map_lookup_elem(&net_lost, &what);
    if (n)
        *n += 1;
}

static __always_inline struct cgw_cgroup_net_stats *cgroup_stats(__u64 cgroup) {
    struct cgw_cgroup_net_stats *s = bpf_map_lookup_elem(&cgroup_net, &cgroup);
    if (s)
        return s;
    if (bpf_map_update_elem(&cgroup_net, &cgroup, &zero_cgroup_stats, BPF_NOEXIST) &&
        !bpf_map_lookup_elem(&cgroup_net, &cgroup)) {
        count_lost(CGW_NET_LOST_CGROUP_FULL);
        return 0;
    }
    return bpf_map_lookup_elem(&cgroup_net, &cgroup);
}

/* drops is flow_drops or cgroup_drops. Two CPUs may create the same key at
 * once: the loser adds to the winner's counter. */
static __always_inline void count_drop(void *drops, __u64 owner, __u32 reason) {
    struct cgw_drop_key key = {.owner = owner, .reason = reason};
    __u64 *n = bpf_map_lookup_elem(drops, &key);
    if (n) {
        __sync_fetch_and_add(n, 1);
        return;
    }
    __u64 one = 1;
    if (!bpf_map_update_elem(drops, &key, &one, BPF_NOEXIST))
        return;
    n = bpf_map_lookup_elem(drops, &key);
    if (n)
        __sync_fetch_and_add(n, 1);
    else
        count_lost(CGW_NET_LOST_DROPS_FULL);
}

static __always_inline struct cgw_flow_config *flow_of(const struct l4_ports *p) {
    struct cgw_flow_key key = {.port = p->dport, .proto = p->proto};
    struct cgw_flow_config *f = bpf_map_lookup_elem(&flows, &key);
    if (f)
        return f;
    key.port = p->sport;
    return bpf_map_lookup_elem(&flows, &key);
}

/* At most CGW_NET_EVENTS_PER_SEC_PER_CPU events per CPU and second. */
static __always_inline bool within_event_budget(__u64 now) {
    __u32 zero = 0;
    struct event_budget *b = bpf_map_lookup_elem(&event_budgets, &zero);
    if (!b)
        return false;
    if (now - b->window_start_ns >= NSEC_PER_SEC) {
        b->window_start_ns = now;
        b->emitted = 0;
    }
    if (b->emitted >= CGW_NET_EVENTS_PER_SEC_PER_CPU) {
        count_lost(CGW_NET_LOST_RATE_LIMITED);
        return false;
    }
    b->emitted += 1;
    return true;
}

static __always_inline void emit(struct cgw_net_event *e) {
    if (!within_event_budget(e->time_ns))
        return;
    if (bpf_ringbuf_output(&events, e, sizeof(*e), 0))
        count_lost(CGW_NET_LOST_RING_FULL);
}

/* ---- cgroup_skb: traffic, heartbeat sends and receives, token bucket ---- */

static __always_inline void count_send(const struct cgw_flow_config *f, const struct l4_ports *p,
                                       __u64 cgroup, __u64 now) {
    if (f->sender_cgroup && f->sender_cgroup != cgroup)
        return;
    __u32 index = f->index;
    struct cgw_flow_stats *s = bpf_map_lookup_elem(&flow_stats, &index);
    if (!s)
        return;
    __sync_fetch_and_add(&s->sent, 1);
    /* Two senders of one flow racing here may lose one gap sample; a
     * heartbeat flow sends a few packets a second. */
    __u64 last = s->last_send_ns;
    s->last_send_ns = now;
    if (!last || now <= last)
        return;
    __u64 gap = now - last;
    __u64 epoch = gap_epoch;
    if (s->gap_epoch_seen != epoch) {
        s->gap_epoch_seen = epoch;
        s->window_max_gap_ns = 0;
    }
    if (gap > s->window_max_gap_ns)
        s->window_max_gap_ns = gap;
    if (!f->gap_limit_ns || gap <= f->gap_limit_ns)
        return;
    struct cgw_net_event e = {.time_ns = now,
                              .cgroup_id = cgroup,
                              .gap_ns = gap,
                              .kind = CGW_NET_EVENT_GAP,
                              .flow_index = index,
                              .port = p->dport,
                              .proto = p->proto};
    emit(&e);
}

static __always_inline void count_receive(const struct cgw_flow_config *f) {
    __u32 index = f->index;
    struct cgw_flow_stats *s = bpf_map_lookup_elem(&flow_stats, &index);
    if (s)
        __sync_fetch_and_add(&s->received, 1);
}

/* Refills the cgroup's bucket for the time since the last packet and spends
 * len bytes from it; false when there are not enough tokens. */
static __always_inline bool bucket_allows(__u64 cgroup, __u32 len, __u64 now) {
    struct cgw_rate_limit *r = bpf_map_lookup_elem(&rate_limits, &cgroup);
    if (!r)
        return true;
    bool allowed;
    bpf_spin_lock(&r->lock);
    if (!r->last_ns) {
        r->tokens = r->burst_bytes;
        r->last_ns = now;
    } else if (now > r->last_ns) {
        /* Capped at a second, so elapsed * rate cannot overflow (the daemon
         * bounds the rate); a full second refills any sane bucket anyway. */
        __u64 elapsed = now - r->last_ns;
        if (elapsed > NSEC_PER_SEC)
            elapsed = NSEC_PER_SEC;
        __u64 refill = elapsed * r->rate_bytes_per_s / NSEC_PER_SEC;
        __u64 tokens = r->tokens + refill;
        if (tokens >= r->burst_bytes) {
            r->tokens = r->burst_bytes;
            r->last_ns = now;
        } else if (refill) {
            /* Only the time those whole bytes took is used up: the rest of
             * it carries over, or a packet every few µs would lose a
             * fraction of a byte each time (8% at 100k packets/s). */
            r->tokens = tokens;
            r->last_ns += refill * NSEC_PER_SEC / r->rate_bytes_per_s;
        }
    }
    allowed = r->tokens >= len;
    if (allowed) {
        r->tokens -= len;
    } else {
        r->dropped_packets += 1;
        r->dropped_bytes += len;
    }
    bpf_spin_unlock(&r->lock);
    return allowed;
}

static __always_inline int on_skb(struct __sk_buff *skb, bool egress) {
    __u64 cgroup = bpf_skb_cgroup_id(skb);
    __u64 now = bpf_ktime_get_ns();
    struct cgw_cgroup_net_stats *s = cgroup_stats(cgroup);
    if (s) {
        if (egress) {
            s->tx_packets += 1;
            s->tx_bytes += skb->len;
        } else {
            s->rx_packets += 1;
            s->rx_bytes += skb->len;
        }
    }
    struct l4_ports p = {};
    if (skb_ports(skb, &p)) {
        struct cgw_flow_config *f = flow_of(&p);
        if (f && egress)
            count_send(f, &p, cgroup, now);
        else if (f)
            count_receive(f);
    }
    /* 0 drops the packet: the kernel frees it with reason BPF_CGROUP_EGRESS. */
    if (egress && !bucket_allows(cgroup, skb->len, now))
        return 0;
    return 1;
}

SEC("cgroup_skb/egress")
int skb_egress(struct __sk_buff *skb) {
    return on_skb(skb, true);
}

SEC("cgroup_skb/ingress")
int skb_ingress(struct __sk_buff *skb) {
    return on_skb(skb, false);
}

/* ---- drops and retransmits ---- */

/* Kernels before 5.15 packed the cgroup pointer into a u64 whose low bit
 * marks v1 net_cls/net_prio data instead (then the cgroup is the root). */
struct sock_cgroup_data___pre515 {
    __u64 val;
};

/* The cgroup2 id of a full socket; 0 for none, or for a request or
 * time-wait socket, which have no cgroup data. */
static __always_inline __u64 sock_cgroup_id(const struct sock *sk) {
    if (!sk)
        return 0;
    __u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
    if (state == CGW_TCP_TIME_WAIT || state == CGW_TCP_NEW_SYN_RECV)
        return 0;
    struct cgroup *cg;
    if (bpf_core_field_exists(struct sock_cgroup_data, cgroup)) {
        cg = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
    } else {
        __u64 val = BPF_CORE_READ((struct sock_cgroup_data___pre515 *)&sk->sk_cgrp_data, val);
        cg = (val & 1) ? 0 : (struct cgroup *)val;
    }
    return cg ? BPF_CORE_READ(cg, kn, id) : 0;
}

/* consume_skb() is not a drop; neither are the kernels that route a
 * consumed skb through kfree_skb with reason SKB_CONSUMED. */
static __always_inline bool is_consumed(__u32 reason) {
    if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED))
        return reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED);
    return false;
}

/* A queueing discipline dropped it (kernels with drop reasons: 5.17+). */
static __always_inline bool is_qdisc_drop(__u32 reason) {
    if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_QDISC_DROP))
        return reason == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_QDISC_DROP);
    return false;
}

static __always_inline void on_kfree_skb(struct sk_buff *skb, __u32 reason, struct sock *rx_sk) {
    if (kfree_skb_has_reason && (reason == 0 || is_consumed(reason)))
        return;
    if (!is_ip(BPF_CORE_READ(skb, protocol)))
        return;
    struct sock *sk = BPF_CORE_READ(skb, sk);
    __u64 cgroup = sock_cgroup_id(sk ? sk : rx_sk);
    if (cgroup) {
        count_drop(&cgroup_drops, cgroup, reason);
        if (sk && is_qdisc_drop(reason)) {
            struct cgw_cgroup_net_stats *s = cgroup_stats(cgroup);
            if (s)
                s->tx_queue_drops += 1;
        }
    }

    struct l4_ports p = {};
    if (!kernel_skb_ports(skb, &p))
        return;
    struct cgw_flow_config *f = flow_of(&p);
    if (!f)
        return;
    __u32 index = f->index;
    struct cgw_flow_stats *s = bpf_map_lookup_elem(&flow_stats, &index);
    if (!s)
        return;
    __sync_fetch_and_add(&s->dropped, 1);
    count_drop(&flow_drops, index, reason);
    struct cgw_net_event e = {.time_ns = bpf_ktime_get_ns(),
                              .cgroup_id = cgroup,
                              .kind = CGW_NET_EVENT_DROP,
                              .flow_index = index,
                              .reason = reason,
                              .port = p.dport,
                              .proto = p.proto};
    emit(&e);
}

static __always_inline void kfree_skb_args(__u64 *ctx) {
    __u32 reason = 0;
    struct sock *rx_sk = 0;
    if (kfree_skb_has_reason)
        reason = (__u32)ctx[2];
    if (kfree_skb_has_rx_sk)
        rx_sk = (struct sock *)ctx[3];
    on_kfree_skb((struct sk_buff *)ctx[0], reason, rx_sk);
}

static __always_inline void on_retransmit(const struct sock *sk) {
    __u64 cgroup = sock_cgroup_id(sk);
    if (cgroup) {
        struct cgw_cgroup_net_stats *s = cgroup_stats(cgroup);
        if (s)
            s->retransmits += 1;
    }
    struct l4_ports p = {
        .proto = CGW_NET_PROTO_TCP,
        .sport = BPF_CORE_READ(sk, __sk_common.skc_num),
        .dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)),
    };
    struct cgw_flow_config *f = flow_of(&p);
    if (!f)
        return;
    __u32 index = f->index;
    struct cgw_flow_stats *st = bpf_map_lookup_elem(&flow_stats, &index);
    if (st)
        __sync_fetch_and_add(&st->retransmits, 1);
}

SEC("tp_btf/kfree_skb")
int btf_kfree_skb(__u64 *ctx) {
    kfree_skb_args(ctx);
    return 0;
}

SEC("raw_tp/kfree_skb")
int raw_kfree_skb(__u64 *ctx) {
    kfree_skb_args(ctx);
    return 0;
}

/* One count per retransmitted skb that left TCP, as on 6.1, which fires the
 * tracepoint on success only. Kernels that pass err fire it after failed
 * attempts too (-EBUSY: the original still queued below; -ENOMEM; a local
 * qdisc refusing it): skipped. The socket's tcpi_total_retrans counts
 * segments (an skb of n MSS counts n) and counts an attempt the device
 * layer refused: both agree when neither happens. */
static __always_inline void retransmit_args(__u64 *ctx) {
    if (tcp_retransmit_has_err && (int)ctx[2] != 0)
        return;
    on_retransmit((const struct sock *)ctx[0]);
}

SEC("tp_btf/tcp_retransmit_skb")
int btf_tcp_retransmit_skb(__u64 *ctx) {
    retransmit_args(ctx);
    return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int raw_tcp_retransmit_skb(__u64 *ctx) {
    retransmit_args(ctx);
    return 0;
}
