#include "heartbeat_tools.h"

#include <signal.h>

#include <thread>

namespace cgw::test {

using namespace std::chrono_literals;

pid_t start_receiver(TestCgroup &cgroup, const NetnsPair &net, const TempDir &dir, uint16_t port,
                     const std::string &name, std::vector<std::string> extra) {
    std::vector<std::string> argv = {tool_path("hb_recv"),
                                     "--netns",
                                     net.receiver(),
                                     "--port",
                                     std::to_string(port),
                                     "--ready",
                                     dir / (name + ".ready"),
                                     "--report",
                                     dir / name,
                                     "--max-ms",
                                     "30000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_t pid = cgroup.spawn(argv);
    wait_for_file(dir / (name + ".ready"), 10s);
    return pid;
}

void finish_receiver(pid_t receiver) {
    std::this_thread::sleep_for(1s);
    ::kill(receiver, SIGTERM);
    wait_for_exit(receiver, 30s);
}

pid_t start_heartbeats(TestCgroup &cgroup, const NetnsPair &net, const TempDir &dir, uint16_t port,
                       int count, int interval_ms, std::vector<std::string> extra) {
    std::vector<std::string> argv = {tool_path("hb_send"),
                                     "--netns",
                                     net.sender(),
                                     "--dst",
                                     NetnsPair::kReceiverIp,
                                     "--port",
                                     std::to_string(port),
                                     "--count",
                                     std::to_string(count),
                                     "--interval-ms",
                                     std::to_string(interval_ms),
                                     "--report",
                                     dir / "sent"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return cgroup.spawn(argv);
}

pid_t start_bulk(TestCgroup &cgroup, const NetnsPair &net, const TempDir &dir, uint16_t port,
                 double seconds) {
    return cgroup.spawn({tool_path("udp_bulk"), "--netns", net.sender(), "--dst",
                         NetnsPair::kReceiverIp, "--port", std::to_string(port), "--seconds",
                         std::to_string(seconds), "--size", "1400", "--report", dir / "bulk"});
}

}  // namespace cgw::test
