#include "cgwarden/exporter/health.h"

#include <fmt/format.h>

namespace cgw {

HealthVerdict check_liveness(std::optional<std::chrono::steady_clock::time_point> last_pass,
                             std::chrono::steady_clock::time_point started,
                             std::chrono::steady_clock::time_point now,
                             std::chrono::milliseconds stale_after) {
    auto since = now - last_pass.value_or(started);
    double age_s = std::chrono::duration<double>(since).count();
    double limit_s = std::chrono::duration<double>(stale_after).count();
    if (since <= stale_after)
        return {true, "ok\n"};
    return {false, fmt::format("{} {:.1f}s ago (limit {:.1f}s)\n",
                               last_pass ? "last control loop pass ended"
                                         : "no control loop pass yet; exporter started",
                               age_s, limit_s)};
}

HealthVerdict check_readiness(std::optional<std::chrono::steady_clock::time_point> last_pass) {
    if (!last_pass)
        return {false, "no sample taken yet: BPF programs attaching or first pass running\n"};
    return {true, "ok\n"};
}

}  // namespace cgw
