// A heartbeat sender: --count UDP packets numbered from 0, one every
// --interval-ms; after --pause-after packets it stays silent for --pause-ms.
// Reports how many sendto calls succeeded ("sent") and failed ("errors").
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "net_tool.h"

int main(int argc, char **argv) {
    auto f = net_tool::parse_flags(
        argc, argv,
        {{"netns", ""},
         {"dst", "127.0.0.1"},
         {"port", "0"},
         {"count", "10"},
         {"interval-ms", "10"},
         {"pause-after", "0"},
         {"pause-ms", "0"},
         {"report", ""}},
        "[--netns NAME] --dst IP --port N [--count N] [--interval-ms N] [--pause-after N "
        "--pause-ms N] [--report FILE]");
    net_tool::join_netns(f["netns"]);
    sockaddr_in dst = net_tool::ipv4_address(f["dst"], std::stoi(f["port"]));
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        net_tool::die("socket");
    const long count = std::stol(f["count"]);
    const long long interval_ns = std::stoll(f["interval-ms"]) * 1'000'000LL;
    const long pause_after = std::stol(f["pause-after"]);
    long long next = net_tool::now_ns();
    long sent = 0;
    long errors = 0;
    for (long seq = 0; seq < count; ++seq) {
        if (pause_after > 0 && seq == pause_after)
            next += std::stoll(f["pause-ms"]) * 1'000'000LL;
        long long wait = next - net_tool::now_ns();
        if (wait > 0)
            net_tool::sleep_ns(wait);
        char payload[64] = {};
        std::memcpy(payload, &seq, sizeof seq);
        if (sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr *>(&dst),
                   sizeof dst) == static_cast<ssize_t>(sizeof payload))
            ++sent;
        else
            ++errors;
        next += interval_ns;
    }
    close(fd);
    net_tool::write_report(
        f["report"], "sent " + std::to_string(sent) + "\nerrors " + std::to_string(errors) + "\n");
    return 0;
}
