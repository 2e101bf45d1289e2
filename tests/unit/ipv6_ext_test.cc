// The IPv6 extension header rules shared with bpf/packet.bpf.h (ipv6_ext.h):
// which headers are stepped over, their lengths, where fragments stop.
#include "cgwarden/ipv6_ext.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

namespace {

struct Step {
    bool walk_on;
    cgw_u32 next;
    cgw_u32 len;
};

Step step(cgw_u32 type, unsigned char b0, unsigned char b1, unsigned char b2 = 0,
          unsigned char b3 = 0) {
    const unsigned char peek[CGW_IPV6_EXT_PEEK_BYTES] = {b0, b1, b2, b3, 0, 0, 0, 0};
    Step s{};
    s.walk_on = cgw_ipv6_ext_step(type, peek, &s.next, &s.len);
    return s;
}

TEST(Ipv6Ext, TheWalkedHeadersAreTheKernelsExtensionHeaders) {
    const int walked[] = {IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT, IPPROTO_AH,
                          IPPROTO_DSTOPTS};
    for (int type : walked)
        EXPECT_TRUE(cgw_ipv6_is_ext(static_cast<cgw_u32>(type))) << type;
    // The transport protocols end the walk with ports; ESP (encrypted), No
    // Next Header and ICMPv6 end it without.
    const int ends[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ESP, IPPROTO_NONE, IPPROTO_ICMPV6};
    for (int type : ends)
        EXPECT_FALSE(cgw_ipv6_is_ext(static_cast<cgw_u32>(type))) << type;
}

TEST(Ipv6Ext, OptionsAndRoutingHeadersCountEightByteUnitsBeyondTheFirst) {
    for (cgw_u32 type : {CGW_IPV6_HOPOPTS, CGW_IPV6_ROUTING, CGW_IPV6_DSTOPTS}) {
        Step s = step(type, IPPROTO_UDP, 0);
        EXPECT_TRUE(s.walk_on);
        EXPECT_EQ(s.next, static_cast<cgw_u32>(IPPROTO_UDP));
        EXPECT_EQ(s.len, 8u);
        EXPECT_EQ(step(type, IPPROTO_TCP, 1).len, 16u);
        EXPECT_EQ(step(type, IPPROTO_TCP, 255).len, 2048u) << "the longest possible";
    }
}

TEST(Ipv6Ext, AuthenticationHeaderCountsFourByteUnitsMinusTwo) {
    Step s = step(CGW_IPV6_AH, IPPROTO_TCP, 4);  // 24 bytes: 12 fixed + a 96-bit ICV
    EXPECT_TRUE(s.walk_on);
    EXPECT_EQ(s.next, static_cast<cgw_u32>(IPPROTO_TCP));
    EXPECT_EQ(s.len, 24u);
    EXPECT_EQ(step(CGW_IPV6_AH, IPPROTO_TCP, 1).len, 12u);
}

TEST(Ipv6Ext, OnlyTheFirstFragmentLeadsToThePorts) {
    // Offset 0 with more fragments to come: the first fragment, ports inside.
    Step first = step(CGW_IPV6_FRAGMENT, IPPROTO_UDP, 0, 0x00, 0x01);
    EXPECT_TRUE(first.walk_on);
    EXPECT_EQ(first.next, static_cast<cgw_u32>(IPPROTO_UDP));
    EXPECT_EQ(first.len, 8u);
    // An atomic fragment (offset 0, no more) is a whole packet.
    EXPECT_TRUE(step(CGW_IPV6_FRAGMENT, IPPROTO_UDP, 0, 0x00, 0x00).walk_on);
    // Offset 1 (8 bytes), with or without more: payload only.
    EXPECT_FALSE(step(CGW_IPV6_FRAGMENT, IPPROTO_UDP, 0, 0x00, 0x08).walk_on);
    EXPECT_FALSE(step(CGW_IPV6_FRAGMENT, IPPROTO_UDP, 0, 0x00, 0x09).walk_on);
    // The largest offset, and the reserved bits that are not part of it.
    EXPECT_FALSE(step(CGW_IPV6_FRAGMENT, IPPROTO_UDP, 0, 0xff, 0xf8).walk_on);
    EXPECT_TRUE(step(CGW_IPV6_FRAGMENT, IPPROTO_UDP, 0, 0x00, 0x07).walk_on);
}

}  // namespace
