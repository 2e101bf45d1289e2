#include "cgwarden/actuator/egress_limiter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cgwarden/control/controller.h"

namespace cgw {

namespace {

// A tenth of a second of traffic may leave at once, and never less than a
// few full-size packets: a smaller bucket drops what the rate allows.
constexpr double kBurstSeconds = 0.1;
constexpr double kMinBurstBytes = 64 * 1024;

}  // namespace

double EgressLimiter::rate(const std::string &cgroup) const {
    auto it = limited_.find(cgroup);
    return it == limited_.end() ? kUnlimited : it->second;
}

Status EgressLimiter::set_rate(const std::string &cgroup, double bytes_per_s) {
    auto id = tree_.id_of(cgroup);
    if (!id)
        return Error{fmt::format("net_egress_rate of cgroup {}: no such cgroup under {}", cgroup,
                                 tree_.mount().string())};
    if (std::isinf(bytes_per_s)) {
        if (auto s = sensor_.clear_egress_rate(*id); !s)
            return s.error().context("net_egress_rate of cgroup " + cgroup);
        limited_.erase(cgroup);
        return {};
    }
    auto rate = static_cast<uint64_t>(std::max(1.0, bytes_per_s));
    auto burst = static_cast<uint64_t>(std::max(kMinBurstBytes, bytes_per_s * kBurstSeconds));
    if (auto s = sensor_.set_egress_rate(*id, rate, burst); !s)
        return s.error().context("net_egress_rate of cgroup " + cgroup);
    limited_[cgroup] = bytes_per_s;
    return {};
}

Status EgressLimiter::clear_all() {
    std::string failures;
    for (auto it = limited_.begin(); it != limited_.end();) {
        auto id = tree_.id_of(it->first);
        Status s = id ? sensor_.clear_egress_rate(*id) : Status{};
        if (!s) {
            failures += (failures.empty() ? "" : "; ") + s.error().message;
            ++it;
        } else {
            it = limited_.erase(it);  // a removed cgroup took its limit with it
        }
    }
    if (!failures.empty())
        return Error{"clearing egress limits: " + failures};
    return {};
}

}  // namespace cgw
