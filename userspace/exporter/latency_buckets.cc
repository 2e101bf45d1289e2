#include "cgwarden/exporter/latency_buckets.h"

namespace cgw {

prometheus::ClientMetric::Histogram to_prometheus(const LatencyHistogram &hist, uint64_t sum_ns) {
    prometheus::ClientMetric::Histogram out;
    out.sample_sum = static_cast<double>(sum_ns) / 1e9;
    out.bucket.reserve(kLatencyBoundsSeconds.size());
    uint64_t cumulative = 0;
    uint32_t next = 0;  // first kernel bucket not yet counted
    for (double le : kLatencyBoundsSeconds) {
        auto le_ns = static_cast<uint64_t>(le * 1e9 + 0.5);
        while (next < LatencyHistogram::kBuckets &&
               LatencyHistogram::bucket_lower_ns(next + 1) <= le_ns)
            cumulative += hist.counts()[next++];
        out.bucket.push_back({cumulative, le});
    }
    while (next < LatencyHistogram::kBuckets)
        cumulative += hist.counts()[next++];
    out.sample_count = cumulative;
    return out;
}

}  // namespace cgw
