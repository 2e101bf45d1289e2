// Shared by the network test tools (hb_send, hb_recv, udp_bulk): flags,
// joining a named network namespace, the clock, TCP's own retransmit count
// and the report file.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace net_tool {

// One heartbeat: a datagram over UDP, a message of the stream over TCP.
inline constexpr int kHeartbeatBytes = 64;

// "--name value" pairs; a flag outside `known` ends the program with usage.
inline std::map<std::string, std::string> parse_flags(
    int argc, char **argv, const std::map<std::string, std::string> &known, const char *usage) {
    std::map<std::string, std::string> flags = known;  // defaults
    for (int i = 1; i < argc; i += 2) {
        std::string flag = argv[i];
        if (i + 1 >= argc || !flag.starts_with("--") || !known.count(flag.substr(2))) {
            std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
            std::exit(2);
        }
        flags[flag.substr(2)] = argv[i + 1];
    }
    return flags;
}

inline long long now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

inline void sleep_ns(long long ns) {
    timespec ts{static_cast<time_t>(ns / 1'000'000'000LL), static_cast<long>(ns % 1'000'000'000LL)};
    nanosleep(&ts, nullptr);
}

[[noreturn]] inline void die(const char *what) {
    std::perror(what);
    std::exit(1);
}

// Enters the namespace made by `ip netns add NAME`; "" stays where it is.
inline void join_netns(const std::string &name) {
    if (name.empty())
        return;
    int fd = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
        die(("joining network namespace " + name).c_str());
    close(fd);
}

inline sockaddr_in ipv4_address(const std::string &ip, int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
        std::fprintf(stderr, "not an IPv4 address: %s\n", ip.c_str());
        std::exit(2);
    }
    return addr;
}

// Segments the kernel retransmitted on this TCP socket (tcpi_total_retrans):
// the ground truth cgwarden's retransmit count is checked against.
inline long tcp_total_retrans(int fd) {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
        die("TCP_INFO");
    return static_cast<long>(info.tcpi_total_retrans);
}

// The result as "key value" lines, written whole to `path` (and to stdout),
// so a test reads a complete report or none.
inline void write_report(const std::string &path, const std::string &text) {
    std::fputs(text.c_str(), stdout);
    if (path.empty())
        return;
    std::string tmp = path + ".tmp";
    FILE *f = std::fopen(tmp.c_str(), "w");
    if (!f || std::fputs(text.c_str(), f) < 0 || std::fclose(f) != 0 ||
        std::rename(tmp.c_str(), path.c_str()) != 0)
        die(("writing " + path).c_str());
}

}  // namespace net_tool
