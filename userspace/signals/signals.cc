#include "cgwarden/signals/signals.h"

namespace cgw {

Signals compute_signals(const Sample &before, const Sample &after,
                        const std::vector<HeartbeatFlow> &flows) {
    Signals signals;
    signals.cpu = compute_cpu_signals(before, after);
    signals.memory = compute_memory_signals(before, after);
    if (before.io && after.io)
        signals.io = compute_io_signals(*before.io, *after.io);
    if (before.net && after.net)
        signals.net = compute_net_signals(*before.net, *after.net, flows);
    return signals;
}

}  // namespace cgw
