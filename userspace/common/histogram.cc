#include "cgwarden/common/histogram.h"

#include <algorithm>

namespace cgw {

uint64_t LatencyHistogram::bucket_lower_ns(uint32_t idx) {
    if (idx < CGW_HIST_SUB)
        return uint64_t{idx} << CGW_HIST_UNIT_SHIFT;
    uint32_t octave = idx / CGW_HIST_SUB;
    uint32_t sub = idx % CGW_HIST_SUB;
    uint32_t msb = octave + CGW_HIST_SUB_BITS - 1;
    uint64_t units = uint64_t{CGW_HIST_SUB + sub} << (msb - CGW_HIST_SUB_BITS);
    return units << CGW_HIST_UNIT_SHIFT;
}

void LatencyHistogram::add(const uint64_t *counts) {
    for (uint32_t i = 0; i < kBuckets; ++i)
        counts_[i] += counts[i];
}

LatencyHistogram &LatencyHistogram::operator-=(const LatencyHistogram &older) {
    // Counters only grow; a smaller newer value means the cgroup id was reused
    // and the map entry restarted, so the newer counts are the whole window.
    bool restarted = false;
    for (uint32_t i = 0; i < kBuckets; ++i)
        restarted |= counts_[i] < older.counts_[i];
    if (restarted)
        return *this;
    for (uint32_t i = 0; i < kBuckets; ++i)
        counts_[i] -= older.counts_[i];
    return *this;
}

LatencyHistogram &LatencyHistogram::operator+=(const LatencyHistogram &other) {
    add(other.counts_.data());
    return *this;
}

uint64_t LatencyHistogram::total() const {
    uint64_t n = 0;
    for (uint64_t c : counts_)
        n += c;
    return n;
}

double LatencyHistogram::quantile_ns(double q, uint64_t max_ns) const {
    uint64_t n = total();
    if (n == 0)
        return 0;
    double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(n);
    double seen = 0;
    for (uint32_t i = 0; i < kBuckets; ++i) {
        if (counts_[i] == 0)
            continue;
        double in_bucket = static_cast<double>(counts_[i]);
        if (seen + in_bucket >= rank) {
            double lower = static_cast<double>(bucket_lower_ns(i));
            double upper = static_cast<double>(bucket_lower_ns(i + 1));
            double value = lower + (upper - lower) * ((rank - seen) / in_bucket);
            return std::min(value, static_cast<double>(max_ns));
        }
        seen += in_bucket;
    }
    return static_cast<double>(max_ns);
}

HistogramWindow &HistogramWindow::operator+=(const HistogramWindow &other) {
    hist += other.hist;
    max_ns = std::max(max_ns, other.max_ns);
    return *this;
}

HistogramWindow histogram_window(const LatencyHistogram &now, uint64_t now_max_ns,
                                 const LatencyHistogram &old, uint64_t old_max_ns) {
    HistogramWindow w{now, now_max_ns};
    w.hist -= old;
    // The kernel keeps the maximum since load. When it grew, the new maximum
    // happened in the window; otherwise the window's own maximum is bounded
    // by the end of its highest non-empty bucket.
    if (now_max_ns <= old_max_ns) {
        const auto &counts = w.hist.counts();
        w.max_ns = 0;
        for (uint32_t i = LatencyHistogram::kBuckets; i-- > 0;) {
            if (counts[i]) {
                w.max_ns = std::min(now_max_ns, LatencyHistogram::bucket_lower_ns(i + 1));
                break;
            }
        }
    }
    return w;
}

}  // namespace cgw
