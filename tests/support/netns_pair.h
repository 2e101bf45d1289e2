// Two network namespaces joined by a veth pair, for root tests that send
// real packets: a sender side and a receiver side, nothing else on the wire.
// Both are deleted (with the veth, qdiscs and nft tables in them) however
// the test ends.
#pragma once

#include <string>
#include <vector>

namespace cgw::test {

class NetnsPair {
  public:
    static constexpr const char *kSenderIp = "10.231.0.1";
    static constexpr const char *kReceiverIp = "10.231.0.2";
    static constexpr const char *kDevice = "veth0";  // its name on both sides

    // cgwt-<pid>-<n>-tx and -rx, addressed, up, with static neighbour
    // entries (no ARP in the way of exact packet counts).
    NetnsPair();
    ~NetnsPair();
    NetnsPair(const NetnsPair &) = delete;
    NetnsPair &operator=(const NetnsPair &) = delete;

    const std::string &sender() const { return sender_; }
    const std::string &receiver() const { return receiver_; }

    // Runs argv inside a namespace (ip netns exec); returns what it printed.
    std::string run_in(const std::string &netns, const std::vector<std::string> &argv) const;

  private:
    std::string sender_;
    std::string receiver_;
};

// Deletes namespaces left by earlier runs that crashed (their pid is dead).
void remove_stale_netns();

}  // namespace cgw::test
