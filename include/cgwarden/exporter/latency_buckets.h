// The kernel's log-linear latency histogram (histogram_abi.h, 116 buckets)
// as a Prometheus histogram with a fixed, small set of `le` bounds, so every
// cgwarden on every node exports the same buckets and histogram_quantile()
// aggregates across a fleet.
#pragma once

#include <prometheus/client_metric.h>

#include <array>
#include <cstdint>

#include "cgwarden/common/histogram.h"

namespace cgw {

// 1 µs .. 10 s, 1-2.5-5 per decade (seconds).
inline constexpr std::array<double, 22> kLatencyBoundsSeconds = {
    1e-6, 2.5e-6, 5e-6,   1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3,
    5e-3, 1e-2,   2.5e-2, 5e-2, 0.1,    0.25, 0.5,  1,      2.5,  5,    10};

// Cumulative counts at each bound. A kernel bucket counts toward `le` only
// when its whole range is at or below it, so a count never includes a value
// above its bound (a straddling bucket lands in the next bound: at most one
// kernel bucket, 25% of its value, late). +Inf is the total, which the
// serializer adds from sample_count; the sum is given by the caller.
prometheus::ClientMetric::Histogram to_prometheus(const LatencyHistogram &hist, uint64_t sum_ns);

}  // namespace cgw
