// A receiver that counts UDP packets on --port. With --rcvbuf it shrinks its
// socket buffer; with --read-delay-ms it does not read for that long after
// binding, so a burst overflows the buffer. It ends --idle-ms after the last
// packet (or --max-ms after binding) and reports packets, payload bytes and
// the times of the first and last packet. --ready FILE is created once bound.
#include <poll.h>
#include <sys/socket.h>

#include <string>

#include "net_tool.h"

int main(int argc, char **argv) {
    auto f = net_tool::parse_flags(
        argc, argv,
        {{"netns", ""},
         {"port", "0"},
         {"rcvbuf", "0"},
         {"read-delay-ms", "0"},
         {"idle-ms", "1000"},
         {"max-ms", "30000"},
         {"ready", ""},
         {"report", ""}},
        "[--netns NAME] --port N [--rcvbuf BYTES] [--read-delay-ms N] [--idle-ms N] "
        "[--max-ms N] [--ready FILE] [--report FILE]");
    net_tool::join_netns(f["netns"]);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        net_tool::die("socket");
    if (int rcvbuf = std::stoi(f["rcvbuf"]);
        rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)
        net_tool::die("SO_RCVBUF");
    sockaddr_in any = net_tool::ipv4_address("0.0.0.0", std::stoi(f["port"]));
    if (bind(fd, reinterpret_cast<sockaddr *>(&any), sizeof any) != 0)
        net_tool::die("bind");
    const long long start = net_tool::now_ns();
    const long long deadline = start + std::stoll(f["max-ms"]) * 1'000'000LL;
    if (!f["ready"].empty())
        net_tool::write_report(f["ready"], "");
    net_tool::sleep_ns(std::stoll(f["read-delay-ms"]) * 1'000'000LL);

    long packets = 0;
    long long bytes = 0;
    long long first_ns = 0;
    long long last_ns = 0;
    const int idle_ms = std::stoi(f["idle-ms"]);
    for (;;) {
        long long now = net_tool::now_ns();
        if (now >= deadline)
            break;
        int wait_ms = static_cast<int>((deadline - now) / 1'000'000LL);
        if (packets > 0 && wait_ms > idle_ms)
            wait_ms = idle_ms;
        pollfd p{fd, POLLIN, 0};
        int ready = poll(&p, 1, wait_ms);
        if (ready < 0)
            net_tool::die("poll");
        if (ready == 0) {
            if (packets > 0)
                break;  // idle after traffic: the sender is done
            continue;
        }
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            net_tool::die("recv");
        last_ns = net_tool::now_ns();
        if (packets++ == 0)
            first_ns = last_ns;
        bytes += n;
    }
    close(fd);
    net_tool::write_report(f["report"], "received " + std::to_string(packets) + "\nbytes " +
                                            std::to_string(bytes) + "\nfirst_ns " +
                                            std::to_string(first_ns) + "\nlast_ns " +
                                            std::to_string(last_ns) + "\n");
    return 0;
}
