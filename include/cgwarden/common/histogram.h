// The daemon's view of a kernel latency histogram (see histogram_abi.h).
#pragma once

#include <array>
#include <cstdint>

#include "cgwarden/histogram_abi.h"

namespace cgw {

class LatencyHistogram {
  public:
    static constexpr uint32_t kBuckets = CGW_HIST_BUCKETS;
    using Counts = std::array<uint64_t, kBuckets>;

    // Smallest value (ns) that lands in bucket idx; kBuckets gives the end of
    // the last finite bucket.
    static uint64_t bucket_lower_ns(uint32_t idx);

    void add(const uint64_t *counts);
    LatencyHistogram &operator-=(const LatencyHistogram &older);
    LatencyHistogram &operator+=(const LatencyHistogram &other);

    uint64_t total() const;
    // Value (ns) below which a fraction q of the samples fall, interpolated
    // linearly inside the bucket; never above max_ns. 0 when empty.
    double quantile_ns(double q, uint64_t max_ns) const;

    const Counts &counts() const { return counts_; }

  private:
    Counts counts_{};
};

// What a cumulative histogram and its lifetime maximum recorded between two
// readings.
struct HistogramWindow {
    LatencyHistogram hist;
    uint64_t max_ns = 0;

    double quantile_ns(double q) const { return hist.quantile_ns(q, max_ns); }
    HistogramWindow &operator+=(const HistogramWindow &other);
};

HistogramWindow histogram_window(const LatencyHistogram &now, uint64_t now_max_ns,
                                 const LatencyHistogram &old, uint64_t old_max_ns);

}  // namespace cgw
