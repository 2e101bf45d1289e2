// The cgroup_skb programs on crafted packets (BPF_PROG_TEST_RUN): IPv4 and
// IPv6 (with extension headers), UDP and TCP, truncated headers, fragments,
// non-IP; the token bucket and the gap event. Root and a kernel, but no
// network namespace: the sensor is loaded without attaching, so only these
// packets are counted. The kernel gives a test run's packet the caller's
// cgroup2 cgroup.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/sensor/net_sensor.h"
#include "root_kernel_test.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

constexpr uint16_t kUdpPort = 7001;
constexpr uint16_t kTcpPort = 7002;
constexpr uint16_t kOtherPort = 7003;

// The cgroup2 id of this process: the inode of its "0::" cgroup's directory.
NetCgroupId own_cgroup2_id(const CgroupLayout &layout) {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("0::")) {
            struct stat st {};
            auto dir = *layout.unified / std::filesystem::path(line.substr(3)).relative_path();
            if (::stat(dir.c_str(), &st) == 0)
                return NetCgroupId(st.st_ino);
        }
    }
    throw std::runtime_error("no cgroup2 cgroup in /proc/self/cgroup");
}

void put16(Bytes &b, size_t at, uint16_t host) {
    uint16_t be = htons(host);
    std::memcpy(&b[at], &be, 2);
}

// Ethernet (the test run strips it and takes the protocol from it), the IP
// header, the ports, then payload up to `ip_len` bytes of IP packet.
Bytes ipv4(uint8_t proto, uint16_t sport, uint16_t dport, size_t ip_len = 64, uint8_t ihl = 5,
           uint16_t frag_off = 0) {
    Bytes b(14 + ip_len, 0);
    put16(b, 12, 0x0800);
    uint8_t *ip = &b[14];
    ip[0] = static_cast<uint8_t>(0x40 | ihl);
    put16(b, 14 + 2, static_cast<uint16_t>(ip_len));
    put16(b, 14 + 6, frag_off);
    ip[8] = 64;
    ip[9] = proto;
    size_t l4 = 14 + ihl * 4u;
    if (l4 + 4 <= b.size()) {
        put16(b, l4, sport);
        put16(b, l4 + 2, dport);
    }
    return b;
}

Bytes ipv6(uint8_t proto, uint16_t sport, uint16_t dport, size_t ip_len = 80) {
    Bytes b(14 + ip_len, 0);
    put16(b, 12, 0x86DD);
    b[14] = 0x60;
    put16(b, 14 + 4, static_cast<uint16_t>(ip_len - 40));
    b[14 + 6] = proto;
    b[14 + 7] = 64;
    put16(b, 14 + 40, sport);
    put16(b, 14 + 42, dport);
    return b;
}

// One IPv6 extension header: its type and its bytes, the first of which (the
// next header) ipv6_chain fills in.
struct Ext {
    uint8_t type;
    Bytes bytes;
};

// Hop-by-hop or destination options of `size` bytes (a multiple of 8): one
// PadN option fills them.
Ext options(uint8_t type, size_t size) {
    Bytes b(size, 0);
    b[1] = static_cast<uint8_t>(size / 8 - 1);
    b[2] = 1;  // PadN
    b[3] = static_cast<uint8_t>(size - 4);
    return {type, b};
}

// A fragment header at `offset` 8-byte units, with the more-fragments flag.
Ext fragment(uint16_t offset_units, bool more) {
    Bytes b(8, 0);
    put16(b, 2, static_cast<uint16_t>(offset_units << 3 | (more ? 1 : 0)));
    b[7] = 42;  // identification
    return {IPPROTO_FRAGMENT, b};
}

// A type 0 routing header with no segment left and one address: 24 bytes.
Ext routing() {
    Bytes b(24, 0);
    b[1] = 2;
    return {IPPROTO_ROUTING, b};
}

// An authentication header with a 96-bit ICV: 24 bytes, length 4.
Ext authentication() {
    Bytes b(24, 0);
    b[1] = 4;
    b[7] = 1;  // SPI
    return {IPPROTO_AH, b};
}

// IPv6, the chain of extension headers, then `proto` whose first four bytes
// are the ports, then 32 bytes of payload.
Bytes ipv6_chain(const std::vector<Ext> &chain, uint8_t proto, uint16_t sport, uint16_t dport) {
    Bytes b(14 + 40, 0);
    put16(b, 12, 0x86DD);
    b[14] = 0x60;
    b[14 + 6] = chain.empty() ? proto : chain.front().type;
    b[14 + 7] = 64;
    for (size_t i = 0; i < chain.size(); ++i) {
        Bytes h = chain[i].bytes;
        h[0] = i + 1 < chain.size() ? chain[i + 1].type : proto;
        b.insert(b.end(), h.begin(), h.end());
    }
    size_t l4 = b.size();
    b.resize(l4 + 8 + 32, 0);
    put16(b, l4, sport);
    put16(b, l4 + 2, dport);
    put16(b, 14 + 4, static_cast<uint16_t>(b.size() - 14 - 40));
    return b;
}

class NetSkbTestRun : public test::RootKernelTest {
  protected:
    void SetUp() override {
        RootKernelTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        ASSERT_TRUE(layout_.unified) << "no cgroup2 hierarchy: cgroup_skb needs one";
        cgroup_ = own_cgroup2_id(layout_);
        NetSensorOptions options;
        options.flows = {{"udp-hb", "udp", kUdpPort, std::nullopt, std::nullopt},
                         {"tcp-hb", "tcp", kTcpPort, Duration(1ms), std::nullopt}};
        options.attach = false;
        auto sensor = NetSensor::open(features_, layout_, options);
        ASSERT_TRUE(sensor) << sensor.error().message;
        sensor_ = std::move(sensor).value();
    }

    // The program's verdict: 1 pass, 0 drop.
    uint32_t run(const char *program, const Bytes &packet) {
        int fd = sensor_->program_fd(program);
        EXPECT_GE(fd, 0) << program;
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet.data(),
                    .data_size_in = static_cast<__u32>(packet.size()), .repeat = 1);
        int err = bpf_prog_test_run_opts(fd, &opts);
        EXPECT_EQ(err, 0) << program << ": " << std::strerror(errno);
        return opts.retval;
    }

    NetCounters read() {
        auto c = sensor_->read();
        if (!c)
            throw std::runtime_error(c.error().message);
        return std::move(c).value();
    }

    // Every packet goes out and comes in once: each passes, none is the
    // flow's, and every one sent is still the cgroup's traffic.
    void expect_passed_as_no_flow(const std::vector<Bytes> &packets) {
        for (size_t i = 0; i < packets.size(); ++i) {
            EXPECT_EQ(run("skb_egress", packets[i]), 1u) << "packet " << i;
            EXPECT_EQ(run("skb_ingress", packets[i]), 1u) << "packet " << i;
        }
        NetCounters c = read();
        EXPECT_EQ(c.flows[0].sent, 0u);
        EXPECT_EQ(c.flows[0].received, 0u);
        EXPECT_EQ(c.by_cgroup.at(cgroup_).tx_packets, packets.size())
            << "still the cgroup's traffic";
    }

    NetCgroupId cgroup_;
    std::unique_ptr<NetSensor> sensor_;
};

TEST_F(NetSkbTestRun, CountsTrafficAndHeartbeatsOfIpv4AndIpv6) {
    EXPECT_EQ(run("skb_egress", ipv4(IPPROTO_UDP, 40000, kUdpPort, 100)), 1u);
    EXPECT_EQ(run("skb_egress", ipv6(IPPROTO_UDP, 40000, kUdpPort, 120)), 1u);
    // A reply from the flow's port: matched by the source port.
    EXPECT_EQ(run("skb_ingress", ipv4(IPPROTO_UDP, kUdpPort, 40000, 60)), 1u);
    EXPECT_EQ(run("skb_ingress", ipv6(IPPROTO_TCP, 50000, kTcpPort, 90)), 1u);
    // IP options move the ports: the header length is honoured.
    EXPECT_EQ(run("skb_egress", ipv4(IPPROTO_TCP, 50000, kTcpPort, 80, 6)), 1u);
    // Same port, other protocol: not the flow.
    EXPECT_EQ(run("skb_egress", ipv4(IPPROTO_TCP, 40000, kUdpPort, 64)), 1u);
    EXPECT_EQ(run("skb_egress", ipv4(IPPROTO_UDP, 40000, kOtherPort, 64)), 1u);

    NetCounters c = read();
    const CgroupNetCounters &mine = c.by_cgroup.at(cgroup_);
    EXPECT_EQ(mine.tx_packets, 5u);
    EXPECT_EQ(mine.tx_bytes, 100u + 120 + 80 + 64 + 64) << "IP packet lengths";
    EXPECT_EQ(mine.rx_packets, 2u);
    EXPECT_EQ(mine.rx_bytes, 60u + 90);
    ASSERT_EQ(c.flows.size(), 2u);
    EXPECT_EQ(c.flows[0].sent, 2u);
    EXPECT_EQ(c.flows[0].received, 1u);
    EXPECT_EQ(c.flows[1].sent, 1u);
    EXPECT_EQ(c.flows[1].received, 1u);
}

// Truncated IP headers themselves never reach the program: the kernel's test
// run refuses them (EINVAL) as its stack drops them before any cgroup hook.
TEST_F(NetSkbTestRun, MalformedAndNonIpPacketsPassUncountedAsFlows) {
    Bytes truncated_ports = ipv4(IPPROTO_UDP, 1, kUdpPort, 64);
    truncated_ports.resize(14 + 20 + 2);  // the source port only
    Bytes truncated_v6_ports = ipv6(IPPROTO_UDP, 1, kUdpPort, 80);
    truncated_v6_ports.resize(14 + 40 + 3);
    Bytes options_past_end = ipv4(IPPROTO_UDP, 1, kUdpPort, 40, 5);
    options_past_end[14] = 0x4f;  // a 60-byte header in a 40-byte packet
    Bytes bad_ihl = ipv4(IPPROTO_UDP, 1, kUdpPort, 64, 5);
    bad_ihl[14] = 0x43;  // a 12-byte header: impossible
    Bytes arp(14 + 28, 0);
    put16(arp, 12, 0x0806);
    Bytes fragment = ipv4(IPPROTO_UDP, 1, kUdpPort, 64, 5, 100);  // offset 800: no ports here

    expect_passed_as_no_flow(
        {truncated_ports, truncated_v6_ports, options_past_end, bad_ihl, arp, fragment});
}

TEST_F(NetSkbTestRun, Ipv6ExtensionHeadersAreWalkedToThePorts) {
    // Hop-by-hop, destination options, the first fragment of a UDP datagram.
    EXPECT_EQ(run("skb_egress", ipv6_chain({options(IPPROTO_HOPOPTS, 8),
                                            options(IPPROTO_DSTOPTS, 16), fragment(0, true)},
                                           IPPROTO_UDP, 40000, kUdpPort)),
              1u);
    // Routing and authentication headers before TCP, received.
    EXPECT_EQ(
        run("skb_ingress", ipv6_chain({options(IPPROTO_HOPOPTS, 8), routing(), authentication()},
                                      IPPROTO_TCP, 50000, kTcpPort)),
        1u);
    // Six headers, the most walked: still found.
    std::vector<Ext> six = {options(IPPROTO_HOPOPTS, 8)};
    for (int i = 0; i < 5; ++i)
        six.push_back(options(IPPROTO_DSTOPTS, 8));
    EXPECT_EQ(run("skb_egress", ipv6_chain(six, IPPROTO_UDP, 40000, kUdpPort)), 1u);

    NetCounters c = read();
    EXPECT_EQ(c.flows[0].sent, 2u);
    EXPECT_EQ(c.flows[0].received, 0u);
    EXPECT_EQ(c.flows[1].sent, 0u);
    EXPECT_EQ(c.flows[1].received, 1u);
}

// A non-first fragment has payload where the ports would be; these bytes
// name the flow's port and must still not count. Neither does a chain
// longer than the walk, one cut inside a header, or ESP.
TEST_F(NetSkbTestRun, Ipv6PacketsWithoutReachablePortsAreNoFlow) {
    Bytes later_fragment = ipv6_chain({fragment(2, true)}, IPPROTO_UDP, 40000, kUdpPort);
    Bytes last_fragment = ipv6_chain({options(IPPROTO_HOPOPTS, 8), fragment(100, false)},
                                     IPPROTO_UDP, 40000, kUdpPort);
    std::vector<Ext> seven = {options(IPPROTO_HOPOPTS, 8)};
    for (int i = 0; i < 6; ++i)
        seven.push_back(options(IPPROTO_DSTOPTS, 8));
    Bytes too_long = ipv6_chain(seven, IPPROTO_UDP, 40000, kUdpPort);
    // The destination options claim 2048 bytes, past the end.
    Bytes cut_in_header = ipv6_chain({options(IPPROTO_DSTOPTS, 8)}, IPPROTO_UDP, 40000, kUdpPort);
    cut_in_header[14 + 40 + 1] = 255;
    Bytes cut_in_fragment =
        ipv6_chain({options(IPPROTO_HOPOPTS, 8), fragment(0, true)}, IPPROTO_UDP, 40000, kUdpPort);
    cut_in_fragment.resize(14 + 40 + 8 + 4);
    Bytes esp = ipv6_chain({options(IPPROTO_HOPOPTS, 8)}, IPPROTO_ESP, 40000, kUdpPort);

    expect_passed_as_no_flow(
        {later_fragment, last_fragment, too_long, cut_in_header, cut_in_fragment, esp});

    // The same fragment at offset 0 is the flow's: the ports were the only
    // difference.
    EXPECT_EQ(run("skb_egress", ipv6_chain({fragment(0, true)}, IPPROTO_UDP, 40000, kUdpPort)), 1u);
    EXPECT_EQ(read().flows[0].sent, 1u);
}

// The header parser runs in the drop and retransmit programs too, on the
// kernel's skb through probe reads: the verifier must accept it in both
// tracepoint flavours (the fixture loads only the one the kernel prefers).
TEST_F(NetSkbTestRun, BothTracepointFlavoursPassTheVerifier) {
    KernelFeatures features = probe_kernel_features();
    for (AttachMode mode : {AttachMode::TpBtf, AttachMode::RawTp}) {
        if (mode == AttachMode::TpBtf ? !features.tp_btf : !features.raw_tp)
            continue;  // the kernel has no such tracepoints at all
        NetSensorOptions options;
        options.force = mode;
        options.attach = false;
        auto sensor = NetSensor::open(features, layout_, options);
        ASSERT_TRUE(sensor) << to_string(mode) << ": " << sensor.error().message;
        std::string prefix = mode == AttachMode::TpBtf ? "btf_" : "raw_";
        if (features.kfree_skb_tp) {
            EXPECT_GE(sensor.value()->program_fd(prefix + "kfree_skb"), 0) << to_string(mode);
        }
        if (features.tcp_retransmit_tp) {
            EXPECT_GE(sensor.value()->program_fd(prefix + "tcp_retransmit_skb"), 0)
                << to_string(mode);
        }
    }
}

TEST_F(NetSkbTestRun, TokenBucketDropsOverTheBurstUntilCleared) {
    Bytes packet = ipv4(IPPROTO_UDP, 40000, kOtherPort, 1500);
    ASSERT_TRUE(sensor_->set_egress_rate(cgroup_, 1000, 64 * 1024));
    // 65536 / 1500: 43 packets fit the full bucket; 1000 B/s refills less
    // than one more packet in the milliseconds this takes.
    for (int i = 0; i < 43; ++i)
        ASSERT_EQ(run("skb_egress", packet), 1u) << "packet " << i;
    EXPECT_EQ(run("skb_egress", packet), 0u) << "over the burst";
    EXPECT_EQ(run("skb_ingress", packet), 1u) << "ingress is never limited";
    ASSERT_TRUE(sensor_->clear_egress_rate(cgroup_));
    EXPECT_EQ(run("skb_egress", packet), 1u);

    EXPECT_FALSE(sensor_->set_egress_rate(cgroup_, 0, 1 << 20)) << "zero rate";
    EXPECT_FALSE(sensor_->set_egress_rate(cgroup_, 1000, 1500)) << "burst below one TSO packet";
    ASSERT_TRUE(sensor_->clear_egress_rate(cgroup_)) << "clearing twice is fine";
}

TEST_F(NetSkbTestRun, GapOverTheLimitIsAnEventAndTheWindowsLongestGap) {
    std::vector<NetEvent> events;
    sensor_->on_event([&](const NetEvent &e) { events.push_back(e); });
    read();  // a window starts
    Bytes packet = ipv4(IPPROTO_TCP, 50000, kTcpPort, 64);
    EXPECT_EQ(run("skb_egress", packet), 1u);
    std::this_thread::sleep_for(30ms);  // limit: 1 ms x kHeartbeatGapFactor
    EXPECT_EQ(run("skb_egress", packet), 1u);
    ASSERT_TRUE(sensor_->poll_events(1000ms));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, NetEvent::Kind::Gap);
    EXPECT_EQ(events[0].flow_index, 1u);
    EXPECT_EQ(events[0].cgroup_id, cgroup_);
    EXPECT_GE(events[0].gap_ns, 30'000'000u);
    EXPECT_LT(events[0].gap_ns, 1'000'000'000u);

    NetCounters c = read();
    EXPECT_EQ(c.flows[1].window_max_gap_ns, events[0].gap_ns);
    EXPECT_EQ(c.lost[CGW_NET_LOST_RING_FULL], 0u);
    EXPECT_EQ(read().flows[1].window_max_gap_ns, 0u) << "a new window has had no gap yet";
}

}  // namespace
}  // namespace cgw
