// /healthz and /readyz verdicts, as pure functions of what the loop last
// published and the time, so they are tested without a server or a clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace cgw {

struct HealthVerdict {
    bool ok = false;
    std::string reason;  // the response body
};

// Alive while the control loop completes passes: the last one (or, before the
// first, the exporter's start) is at most stale_after old.
HealthVerdict check_liveness(std::optional<std::chrono::steady_clock::time_point> last_pass,
                             std::chrono::steady_clock::time_point started,
                             std::chrono::steady_clock::time_point now,
                             std::chrono::milliseconds stale_after);

// Ready once the BPF programs are attached and the first sample is taken,
// which the loop's first pass proves.
HealthVerdict check_readiness(std::optional<std::chrono::steady_clock::time_point> last_pass);

}  // namespace cgw
