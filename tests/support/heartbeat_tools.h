// The heartbeat test tools (tests/tools) started in a test cgroup, across a
// NetnsPair: a receiver that counts (hb_recv), a numbered heartbeat sender
// (hb_send), a bulk UDP sender (udp_bulk). Each writes its report into `dir`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "netns_pair.h"
#include "process.h"
#include "test_cgroup.h"

namespace cgw::test {

// hb_recv on `port` in the receiver namespace, reporting to dir/name;
// returns once it is bound.
pid_t start_receiver(TestCgroup &cgroup, const NetnsPair &net, const TempDir &dir, uint16_t port,
                     const std::string &name, std::vector<std::string> extra = {});

// Ends a receiver whose senders are done: a second for packets still in
// flight, then SIGTERM (it reports what it got); fails unless it exits 0. A
// receiver that got nothing would otherwise wait for its --max-ms (30 s).
void finish_receiver(pid_t receiver);

// hb_send: `count` heartbeats to `port`, one every interval_ms, reporting
// to dir/"sent".
pid_t start_heartbeats(TestCgroup &cgroup, const NetnsPair &net, const TempDir &dir, uint16_t port,
                       int count, int interval_ms, std::vector<std::string> extra = {});

// udp_bulk: 1400-byte datagrams to `port` as fast as it can for `seconds`,
// reporting to dir/"bulk".
pid_t start_bulk(TestCgroup &cgroup, const NetnsPair &net, const TempDir &dir, uint16_t port,
                 double seconds);

}  // namespace cgw::test
