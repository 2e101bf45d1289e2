// A heartbeat sender: --count heartbeats numbered from 0, one every
// --interval-ms; after --pause-after heartbeats it stays silent for
// --pause-ms. UDP by default: one datagram each. With --tcp 1 it connects
// once and writes each heartbeat as its own segment (TCP_NODELAY), then
// closes and waits for the receiver's close, so every retransmit of the
// connection has happened when it reads tcpi_total_retrans ("retransmits").
// Reports how many sends succeeded ("sent") and failed ("errors").
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "net_tool.h"

namespace {

int connect_tcp(const sockaddr_in &dst) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        net_tool::die("socket");
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        net_tool::die("TCP_NODELAY");
    if (connect(fd, reinterpret_cast<const sockaddr *>(&dst), sizeof dst) != 0)
        net_tool::die("connect");
    return fd;
}

// Sends our FIN and reads until the receiver's: the receiver has then read
// every byte, and acknowledged it, so no retransmit can still come.
void finish_tcp(int fd) {
    if (shutdown(fd, SHUT_WR) != 0)
        net_tool::die("shutdown");
    char buf[256];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 30'000) != 1)
            net_tool::die("waiting for the receiver to close");
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0)
            return;
        if (n < 0)
            net_tool::die("recv");
    }
}

}  // namespace

int main(int argc, char **argv) {
    auto f = net_tool::parse_flags(
        argc, argv,
        {{"netns", ""},
         {"dst", "127.0.0.1"},
         {"port", "0"},
         {"tcp", "0"},
         {"count", "10"},
         {"interval-ms", "10"},
         {"pause-after", "0"},
         {"pause-ms", "0"},
         {"report", ""}},
        "[--netns NAME] --dst IP --port N [--tcp 1] [--count N] [--interval-ms N] "
        "[--pause-after N --pause-ms N] [--report FILE]");
    net_tool::join_netns(f["netns"]);
    sockaddr_in dst = net_tool::ipv4_address(f["dst"], std::stoi(f["port"]));
    const bool tcp = f["tcp"] == "1";
    int fd = tcp ? connect_tcp(dst) : socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        net_tool::die("socket");
    const long count = std::stol(f["count"]);
    const long long interval_ns = std::stoll(f["interval-ms"]) * 1'000'000LL;
    const long pause_after = std::stol(f["pause-after"]);
    long long next = net_tool::now_ns();
    long sent = 0;
    long errors = 0;
    // The longest time between two sends, as this sender saw it: a slow
    // machine may stretch a pause beyond what was asked.
    long long last_send_ns = 0;
    long long max_gap_ns = 0;
    for (long seq = 0; seq < count; ++seq) {
        if (pause_after > 0 && seq == pause_after)
            next += std::stoll(f["pause-ms"]) * 1'000'000LL;
        long long wait = next - net_tool::now_ns();
        if (wait > 0)
            net_tool::sleep_ns(wait);
        char payload[net_tool::kHeartbeatBytes] = {};
        std::memcpy(payload, &seq, sizeof seq);
        long long now = net_tool::now_ns();
        if (last_send_ns)
            max_gap_ns = std::max(max_gap_ns, now - last_send_ns);
        last_send_ns = now;
        ssize_t n = tcp ? send(fd, payload, sizeof payload, MSG_NOSIGNAL)
                        : sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr *>(&dst),
                                 sizeof dst);
        if (n == static_cast<ssize_t>(sizeof payload))
            ++sent;
        else
            ++errors;
        next += interval_ns;
    }
    std::string report = "sent " + std::to_string(sent) + "\nerrors " + std::to_string(errors) +
                         "\nmax_gap_ns " + std::to_string(max_gap_ns) + "\n";
    if (tcp) {
        finish_tcp(fd);
        report += "retransmits " + std::to_string(net_tool::tcp_total_retrans(fd)) + "\n";
    }
    close(fd);
    net_tool::write_report(f["report"], report);
    return 0;
}
