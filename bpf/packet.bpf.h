/* Ports and protocol of an IPv4/IPv6 TCP or UDP packet, read with bounds
 * checks from either side of the stack. BPF only. */
#ifndef CGWARDEN_PACKET_BPF_H
#define CGWARDEN_PACKET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "cgwarden/ipv6_ext.h"
#include "cgwarden/net_abi.h"

#define CGW_ETH_P_IP 0x0800
#define CGW_ETH_P_IPV6 0x86DD
#define CGW_IP_OFFSET_MASK 0x1fff /* fragment offset, in 8-byte units */

struct l4_ports {
    __u8 proto;  /* CGW_NET_PROTO_* */
    __u16 sport; /* host byte order */
    __u16 dport;
};

static __always_inline bool is_ip(__u16 eth_proto_be) {
    return eth_proto_be == bpf_htons(CGW_ETH_P_IP) || eth_proto_be == bpf_htons(CGW_ETH_P_IPV6);
}

/* Copies len bytes at offset off of the network header. A cgroup_skb program
 * passes its __sk_buff (data starts at the network header there); a tracing
 * program passes the kernel skb's network header address. `from_skb` is a
 * constant at every call site, so only one helper is left after inlining:
 * tracing programs may not call bpf_skb_load_bytes. */
static __always_inline long load_net(struct __sk_buff *skb, const unsigned char *nh, bool from_skb,
                                     __u32 off, void *dst, __u32 len) {
    if (from_skb)
        return bpf_skb_load_bytes(skb, off, dst, len);
    return bpf_probe_read_kernel(dst, len, nh + off);
}

/* Steps *off over the IPv6 extension headers starting there, of type
 * *proto, to the header they announce. False for a non-first fragment, a
 * truncated header, or more than CGW_IPV6_MAX_EXT_HEADERS of them. Unrolled,
 * so no kernel loop support is needed; the offset needs no bound for the
 * verifier: both readers check it against the packet at run time. */
static __always_inline bool skip_ipv6_ext(struct __sk_buff *skb, const unsigned char *nh,
                                          bool from_skb, __u32 *proto, __u32 *off) {
#pragma unroll
    for (int i = 0; i < CGW_IPV6_MAX_EXT_HEADERS; i++) {
        if (!cgw_ipv6_is_ext(*proto))
            return true;
        unsigned char peek[CGW_IPV6_EXT_PEEK_BYTES];
        if (load_net(skb, nh, from_skb, *off, peek, sizeof(peek)))
            return false;
        __u32 len;
        if (!cgw_ipv6_ext_step(*proto, peek, proto, &len))
            return false;
        *off += len;
    }
    return !cgw_ipv6_is_ext(*proto);
}

/* False for anything but the first fragment of a TCP or UDP packet over IPv4
 * (options skipped) or IPv6 (extension headers walked), and for truncated
 * headers. */
static __always_inline bool parse_ports(struct __sk_buff *skb, const unsigned char *nh,
                                        bool from_skb, __u16 eth_proto_be, struct l4_ports *out) {
    __u32 l4_off;
    __u32 proto;
    if (eth_proto_be == bpf_htons(CGW_ETH_P_IP)) {
        struct iphdr ip;
        if (load_net(skb, nh, from_skb, 0, &ip, sizeof(ip)))
            return false;
        if (ip.version != 4 || ip.ihl < 5 || (ip.frag_off & bpf_htons(CGW_IP_OFFSET_MASK)))
            return false;
        proto = ip.protocol;
        l4_off = ip.ihl * 4;
    } else if (eth_proto_be == bpf_htons(CGW_ETH_P_IPV6)) {
        struct ipv6hdr ip6;
        if (load_net(skb, nh, from_skb, 0, &ip6, sizeof(ip6)))
            return false;
        if (ip6.version != 6)
            return false;
        proto = ip6.nexthdr;
        l4_off = sizeof(ip6);
        if (!skip_ipv6_ext(skb, nh, from_skb, &proto, &l4_off))
            return false;
    } else {
        return false;
    }
    if (proto != CGW_NET_PROTO_TCP && proto != CGW_NET_PROTO_UDP)
        return false;
    /* Source and destination port open both TCP and UDP headers. */
    __be16 ports[2];
    if (load_net(skb, nh, from_skb, l4_off, ports, sizeof(ports)))
        return false;
    out->proto = proto;
    out->sport = bpf_ntohs(ports[0]);
    out->dport = bpf_ntohs(ports[1]);
    return true;
}

/* A cgroup_skb program's packet. */
static __always_inline bool skb_ports(struct __sk_buff *skb, struct l4_ports *out) {
    return parse_ports(skb, 0, true, (__u16)skb->protocol, out);
}

/* A kernel skb anywhere in the stack, through its network header offset. */
static __always_inline bool kernel_skb_ports(struct sk_buff *skb, struct l4_ports *out) {
    __u16 nh_off = BPF_CORE_READ(skb, network_header);
    if (nh_off == (__u16)~0U) /* not set yet */
        return false;
    const unsigned char *nh = BPF_CORE_READ(skb, head) + nh_off;
    return parse_ports(0, nh, false, BPF_CORE_READ(skb, protocol), out);
}

#endif /* CGWARDEN_PACKET_BPF_H */
