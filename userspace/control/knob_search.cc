#include "cgwarden/control/knob_search.h"

#include <algorithm>

namespace cgw {

double grant_after_breach(double grant, double origin, std::optional<double> held_at,
                          const KnobBounds &b) {
    if (held_at && *held_at < grant)
        return std::max(*held_at, b.floor);
    // An unlimited knob first drops to the ceiling.
    double next = origin > b.ceiling ? b.ceiling : std::max(b.floor, origin - b.step);
    return std::min(next, grant);
}

std::optional<double> grant_after_hold(double grant, std::optional<double> breached_at,
                                       double original, double cap, const KnobBounds &b) {
    double next = grant + b.step;
    // A knob one step spans (cpu_idle) has nothing in between to try.
    bool on_off = b.floor + b.step >= b.ceiling;
    if (breached_at) {
        if (*breached_at - grant <= b.step * (on_off ? 1 : kSettledWithin))
            return std::nullopt;
        next = (grant + *breached_at) / 2;
    }
    return next >= std::min({original, b.ceiling, cap}) ? original : next;
}

}  // namespace cgw
