// The search for a knob's boundary: the most it may grant an antagonist
// while the victim stays within its SLO. A breach takes the knob down to the
// highest grant that held (or one step, when none is known); a victim that
// holds lets it go halfway back toward the lowest grant that breached, until
// the two are within a quarter step: bisection, so the step a breach took
// is won back to within a quarter in two probes, and the knob then stays
// put (no oscillation). Values are grants (policy.h grant_of): larger gives
// more.
#pragma once

#include <optional>

#include "cgwarden/policy/policy.h"

namespace cgw {

// The search has settled once the grants that held and breached are this
// close, as a share of the knob's step.
inline constexpr double kSettledWithin = 0.25;

// Where a breach takes the knob from `grant`: to `held_at` when that is
// below, else one step below `origin` (where stepping starts, at or below
// `grant`: see the controller's step_origin), never below the floor nor
// above the ceiling. `grant` itself when nothing is left to take.
double grant_after_breach(double grant, double origin, std::optional<double> held_at,
                          const KnobBounds &b);

// Where a victim that held at `grant` lets the knob go: halfway to
// `breached_at` when that is more than kSettledWithin steps above; nowhere
// (settled) within that; one step up when no breach is known. At or above the
// most the knob may give back (`original`, the ceiling, or `cap`, above
// which it limits nothing) it is `original` itself, exactly.
std::optional<double> grant_after_hold(double grant, std::optional<double> breached_at,
                                       double original, double cap, const KnobBounds &b);

}  // namespace cgw
