#include "cgwarden/signals/memory_signals.h"

#include <algorithm>

#include "cgwarden/signals/window_math.h"

namespace cgw {

MemorySignals compute_memory_signals(const Sample &before, const Sample &after) {
    MemorySignals out;
    double window_s = seconds(after.monotonic_ns - before.monotonic_ns);
    if (window_s <= 0)
        return out;
    for (const auto &[id, now] : after.memory) {
        const MemoryUse *then = find_or_null(before.memory, id);
        if (!then)
            continue;
        double stalled_s = static_cast<double>(delta(now.stall_some_us, then->stall_some_us)) / 1e6;
        out[id] = {now.current_bytes, std::min(1.0, stalled_s / window_s)};
    }
    return out;
}

}  // namespace cgw
