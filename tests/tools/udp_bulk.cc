// A bulk UDP sender: --size-byte datagrams as fast as it can for --seconds.
// Failed sends (a token bucket's EPERM, a full queue's ENOBUFS) are counted
// and it goes on. Reports packets and payload bytes sent, and errors.
#include <sys/socket.h>

#include <string>
#include <vector>

#include "net_tool.h"

int main(int argc, char **argv) {
    auto f = net_tool::parse_flags(
        argc, argv,
        {{"netns", ""},
         {"dst", "127.0.0.1"},
         {"port", "0"},
         {"seconds", "1"},
         {"size", "1400"},
         {"report", ""}},
        "[--netns NAME] --dst IP --port N [--seconds S] [--size BYTES] [--report FILE]");
    net_tool::join_netns(f["netns"]);
    sockaddr_in dst = net_tool::ipv4_address(f["dst"], std::stoi(f["port"]));
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        net_tool::die("socket");
    std::vector<char> payload(static_cast<size_t>(std::stoul(f["size"])), 'x');
    const long long end =
        net_tool::now_ns() + static_cast<long long>(std::stod(f["seconds"]) * 1e9);
    long packets = 0;
    long long bytes = 0;
    long errors = 0;
    while (net_tool::now_ns() < end) {
        ssize_t n = sendto(fd, payload.data(), payload.size(), 0,
                           reinterpret_cast<sockaddr *>(&dst), sizeof dst);
        if (n < 0) {
            ++errors;
            continue;
        }
        ++packets;
        bytes += n;
    }
    close(fd);
    net_tool::write_report(f["report"], "sent " + std::to_string(packets) + "\nbytes " +
                                            std::to_string(bytes) + "\nerrors " +
                                            std::to_string(errors) + "\n");
    return 0;
}
