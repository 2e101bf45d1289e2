// The command line's form of a heartbeat flow: NAME=PROTO:PORT[:INTERVAL].
#pragma once

#include <string_view>

#include "cgwarden/common/result.h"
#include "cgwarden/policy/policy.h"

namespace cgw {

// "kubelet=tcp:6443:10s" -> {kubelet, tcp, 6443, 10 s}. The interval takes a
// unit: us, ms, s or m ("250ms", "1.5s"). Errors say what is wrong and show
// the expected form.
Result<HeartbeatFlow> parse_heartbeat_flag(std::string_view text);

}  // namespace cgw
