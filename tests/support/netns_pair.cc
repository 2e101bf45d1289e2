#include "netns_pair.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "process.h"

namespace cgw::test {

namespace {

constexpr const char *kPrefix = "cgwt-";
constexpr const char *kSenderMac = "02:63:67:77:00:01";
constexpr const char *kReceiverMac = "02:63:67:77:00:02";

void delete_netns(const std::string &name) {
    try {
        run_command({"ip", "netns", "delete", name});
    } catch (const std::exception &) {
        // Already gone, or never made: nothing to clean.
    }
}

}  // namespace

NetnsPair::NetnsPair() {
    static std::atomic<int> next{0};
    std::string base = kPrefix + std::to_string(::getpid()) + "-" + std::to_string(next++);
    sender_ = base + "-tx";
    receiver_ = base + "-rx";
    try {
        run_command({"ip", "netns", "add", sender_});
        run_command({"ip", "netns", "add", receiver_});
        run_command({"ip", "link", "add", kDevice, "netns", sender_, "address", kSenderMac, "type",
                     "veth", "peer", "name", kDevice, "netns", receiver_, "address", kReceiverMac});
        for (auto [ns, ip, peer_ip, peer_mac] :
             {std::tuple{sender_, kSenderIp, kReceiverIp, kReceiverMac},
              std::tuple{receiver_, kReceiverIp, kSenderIp, kSenderMac}}) {
            run_command({"ip", "-n", ns, "addr", "add", std::string(ip) + "/24", "dev", kDevice});
            run_command({"ip", "-n", ns, "link", "set", "lo", "up"});
            run_command({"ip", "-n", ns, "link", "set", kDevice, "up"});
            run_command({"ip", "-n", ns, "neigh", "replace", peer_ip, "lladdr", peer_mac, "dev",
                         kDevice, "nud", "permanent"});
        }
    } catch (...) {
        delete_netns(sender_);
        delete_netns(receiver_);
        throw;
    }
}

NetnsPair::~NetnsPair() {
    delete_netns(sender_);
    delete_netns(receiver_);
}

std::string NetnsPair::run_in(const std::string &netns,
                              const std::vector<std::string> &argv) const {
    std::vector<std::string> full = {"ip", "netns", "exec", netns};
    full.insert(full.end(), argv.begin(), argv.end());
    return run_command(full);
}

void remove_stale_netns() {
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator("/run/netns", ec)) {
        std::string name = entry.path().filename();
        if (!name.starts_with(kPrefix))
            continue;
        pid_t owner = std::atoi(name.c_str() + std::string(kPrefix).size());
        if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH)
            delete_netns(name);
    }
}

}  // namespace cgw::test
