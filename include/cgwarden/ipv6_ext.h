/* IPv6 extension headers as bpf/packet.bpf.h walks them to the TCP or UDP
 * ports: which next-header values it steps over, how long each header is,
 * and where a fragment ends the walk. Plain functions of a header's first 8
 * bytes (every extension header has at least 8), compiled into the BPF
 * parser and into the unit tests.
 *
 * A non-first fragment carries no transport header: its bytes at the
 * header's place are payload, so it is never matched by port. A first
 * fragment carries the whole header chain and the ports (RFC 8200 4.5,
 * RFC 7112). ESP (50) encrypts what follows and No Next Header (59) has
 * nothing: both end the walk without ports, like any non-TCP/UDP protocol.
 */
#ifndef CGWARDEN_IPV6_EXT_H
#define CGWARDEN_IPV6_EXT_H

#include "cgwarden/histogram_abi.h" /* cgw_u32 */

enum {
    CGW_IPV6_HOPOPTS = 0,
    CGW_IPV6_ROUTING = 43,
    CGW_IPV6_FRAGMENT = 44,
    CGW_IPV6_AH = 51,
    CGW_IPV6_DSTOPTS = 60,
    /* Read of each header: its type, length and (fragments) offset. */
    CGW_IPV6_EXT_PEEK_BYTES = 8,
    /* Headers walked before giving up. RFC 8200's order needs at most 6
     * (hop-by-hop, destination options, routing, fragment, AH, destination
     * options); a longer chain is no flow, and keeps the BPF loop bounded. */
    CGW_IPV6_MAX_EXT_HEADERS = 6,
    /* Fragment offset in a fragment header's third and fourth bytes. */
    CGW_IPV6_FRAG_OFFSET_MASK = 0xfff8,
};

static inline bool cgw_ipv6_is_ext(cgw_u32 type) {
    return type == CGW_IPV6_HOPOPTS || type == CGW_IPV6_ROUTING || type == CGW_IPV6_FRAGMENT ||
           type == CGW_IPV6_AH || type == CGW_IPV6_DSTOPTS;
}

/* The extension header `type` whose first bytes are `peek`: sets the type
 * of the header after it and its own length in bytes. False when the walk
 * must stop without ports: a fragment other than the first. */
static inline bool cgw_ipv6_ext_step(cgw_u32 type,
                                     const unsigned char peek[CGW_IPV6_EXT_PEEK_BYTES],
                                     cgw_u32 *next, cgw_u32 *len) {
    *next = peek[0];
    switch (type) {
        case CGW_IPV6_FRAGMENT:
            *len = 8;
            return ((((cgw_u32)peek[2] << 8) | peek[3]) & CGW_IPV6_FRAG_OFFSET_MASK) == 0;
        case CGW_IPV6_AH:
            /* Its length counts 4-byte units, minus 2. */
            *len = ((cgw_u32)peek[1] + 2) * 4;
            return true;
        default:
            /* Hop-by-hop, routing, destination options: 8-byte units, minus 1. */
            *len = ((cgw_u32)peek[1] + 1) * 8;
            return true;
    }
}

#endif /* CGWARDEN_IPV6_EXT_H */
