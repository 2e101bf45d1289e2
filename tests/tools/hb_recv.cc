// A receiver that counts heartbeats on --port: UDP datagrams, or with
// --tcp 1 the 64-byte messages of one accepted connection. With --rcvbuf it
// shrinks its socket buffer; with --read-delay-ms it does not read for that
// long after binding, so a burst overflows the buffer. It ends at the
// sender's close (TCP), --idle-ms after the last packet (UDP), at SIGTERM
// (the test knows the senders are done: a receiver that got nothing would
// otherwise wait for --max-ms), or --max-ms after binding, and reports
// heartbeats, payload bytes, the times of the first and last read, and over
// TCP its own tcpi_total_retrans. --ready FILE is created once bound (and
// listening).
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>

#include <string>

#include "net_tool.h"

namespace {

int bound_socket(bool tcp, int port, int rcvbuf) {
    int fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (fd < 0)
        net_tool::die("socket");
    int one = 1;
    if (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        net_tool::die("SO_REUSEADDR");
    // On a listening socket it is inherited by the accepted one.
    if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)
        net_tool::die("SO_RCVBUF");
    sockaddr_in any = net_tool::ipv4_address("0.0.0.0", port);
    if (bind(fd, reinterpret_cast<sockaddr *>(&any), sizeof any) != 0)
        net_tool::die("bind");
    if (tcp && listen(fd, 1) != 0)
        net_tool::die("listen");
    return fd;
}

// The sender's connection; the program ends if none comes before the deadline.
int accept_one(int listener, long long deadline) {
    pollfd p{listener, POLLIN, 0};
    int wait_ms = static_cast<int>((deadline - net_tool::now_ns()) / 1'000'000LL);
    if (wait_ms <= 0 || poll(&p, 1, wait_ms) != 1)
        net_tool::die("waiting for a connection");
    int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
        net_tool::die("accept");
    return fd;
}

volatile sig_atomic_t stop_requested = 0;

void request_stop(int) {
    stop_requested = 1;
}

// SIGTERM stays blocked but while waiting in ppoll, so that one arriving
// between the check of the flag and the wait still ends the wait.
sigset_t catch_sigterm() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigaction(SIGTERM, &action, nullptr);
    sigset_t term, waiting;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &waiting);
    sigdelset(&waiting, SIGTERM);
    return waiting;
}

}  // namespace

int main(int argc, char **argv) {
    auto f = net_tool::parse_flags(
        argc, argv,
        {{"netns", ""},
         {"port", "0"},
         {"tcp", "0"},
         {"rcvbuf", "0"},
         {"read-delay-ms", "0"},
         {"idle-ms", "1000"},
         {"max-ms", "30000"},
         {"ready", ""},
         {"report", ""}},
        "[--netns NAME] --port N [--tcp 1] [--rcvbuf BYTES] [--read-delay-ms N] [--idle-ms N] "
        "[--max-ms N] [--ready FILE] [--report FILE]");
    const sigset_t waiting_mask = catch_sigterm();
    net_tool::join_netns(f["netns"]);
    const bool tcp = f["tcp"] == "1";
    int listener = bound_socket(tcp, std::stoi(f["port"]), std::stoi(f["rcvbuf"]));
    const long long start = net_tool::now_ns();
    const long long deadline = start + std::stoll(f["max-ms"]) * 1'000'000LL;
    if (!f["ready"].empty())
        net_tool::write_report(f["ready"], "");
    net_tool::sleep_ns(std::stoll(f["read-delay-ms"]) * 1'000'000LL);
    int fd = tcp ? accept_one(listener, deadline) : listener;

    long packets = 0;  // reads: datagrams over UDP
    long long bytes = 0;
    long long first_ns = 0;
    long long last_ns = 0;
    const int idle_ms = std::stoi(f["idle-ms"]);
    for (;;) {
        long long now = net_tool::now_ns();
        if (now >= deadline || stop_requested)
            break;
        int wait_ms = static_cast<int>((deadline - now) / 1'000'000LL);
        // Over TCP only the sender's close ends the stream: a retransmit
        // may come after any silence.
        if (!tcp && packets > 0 && wait_ms > idle_ms)
            wait_ms = idle_ms;
        pollfd p{fd, POLLIN, 0};
        timespec wait{wait_ms / 1000, (wait_ms % 1000) * 1'000'000L};
        int ready = ppoll(&p, 1, &wait, &waiting_mask);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            net_tool::die("ppoll");
        if (ready == 0) {
            if (!tcp && packets > 0)
                break;  // idle after traffic: the sender is done
            continue;
        }
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            net_tool::die("recv");
        if (n == 0)
            break;  // the TCP sender closed
        last_ns = net_tool::now_ns();
        if (packets++ == 0)
            first_ns = last_ns;
        bytes += n;
    }
    long heartbeats = tcp ? static_cast<long>(bytes / net_tool::kHeartbeatBytes) : packets;
    std::string report = "received " + std::to_string(heartbeats) + "\nbytes " +
                         std::to_string(bytes) + "\nfirst_ns " + std::to_string(first_ns) +
                         "\nlast_ns " + std::to_string(last_ns) + "\n";
    if (tcp) {
        report += "retransmits " + std::to_string(net_tool::tcp_total_retrans(fd)) + "\n";
        close(fd);
    }
    close(listener);
    net_tool::write_report(f["report"], report);
    return 0;
}
