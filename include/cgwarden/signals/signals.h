// Everything measured over one interval of the control loop: the CPU and
// memory signals, and IO and network where those sensors run. Pure functions of two
// samples.
#pragma once

#include <optional>
#include <vector>

#include "cgwarden/policy/policy.h"
#include "cgwarden/sensor/sample.h"
#include "cgwarden/signals/cpu_signals.h"
#include "cgwarden/signals/io_signals.h"
#include "cgwarden/signals/memory_signals.h"
#include "cgwarden/signals/net_signals.h"

namespace cgw {

struct Signals {
    CpuSignals cpu;
    std::optional<IoSignals> io;
    std::optional<NetSignals> net;
    MemorySignals memory;  // empty unless cgroup2 holds the memory controller
};

// `flows` are the heartbeat flows the network counters were read for.
Signals compute_signals(const Sample &before, const Sample &after,
                        const std::vector<HeartbeatFlow> &flows);

}  // namespace cgw
