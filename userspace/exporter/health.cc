#include "cgwarden/exporter/health.h"

#include <fmt/format.h>

namespace cgw {

HealthVerdict check_liveness(const MetricsSnapshot *latest,
                             std::chrono::steady_clock::time_point started,
                             std::chrono::steady_clock::time_point now,
                             std::chrono::milliseconds stale_after) {
    auto since = now - (latest ? latest->taken : started);
    double age_s = std::chrono::duration<double>(since).count();
    double limit_s = std::chrono::duration<double>(stale_after).count();
    if (since <= stale_after)
        return {true, "ok\n"};
    return {false, fmt::format("{} {:.1f}s ago (limit {:.1f}s)\n",
                               latest ? "last control loop pass ended"
                                      : "no control loop pass yet; exporter started",
                               age_s, limit_s)};
}

HealthVerdict check_readiness(const MetricsSnapshot *latest) {
    if (!latest)
        return {false, "no sample taken yet: BPF programs attaching or first pass running\n"};
    return {true, "ok\n"};
}

}  // namespace cgw
