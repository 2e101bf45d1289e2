#include "cgwarden/exporter/latency_buckets.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace cgw {
namespace {

LatencyHistogram histogram_of(std::initializer_list<uint64_t> values_ns) {
    uint64_t counts[LatencyHistogram::kBuckets] = {};
    for (uint64_t v : values_ns)
        ++counts[cgw_hist_bucket(v)];
    LatencyHistogram h;
    h.add(counts);
    return h;
}

uint64_t at(const prometheus::ClientMetric::Histogram &h, double le) {
    auto it = std::find_if(h.bucket.begin(), h.bucket.end(),
                           [&](const auto &b) { return b.upper_bound == le; });
    EXPECT_NE(it, h.bucket.end()) << "no bucket le=" << le;
    return it == h.bucket.end() ? 0 : it->cumulative_count;
}

TEST(ExporterBuckets, FixedBoundsFromOneMicrosecondToTenSeconds) {
    auto h = to_prometheus(LatencyHistogram{}, 0);
    ASSERT_EQ(h.bucket.size(), kLatencyBoundsSeconds.size());
    EXPECT_EQ(h.bucket.front().upper_bound, 1e-6);
    EXPECT_EQ(h.bucket.back().upper_bound, 10);
    EXPECT_EQ(h.sample_count, 0u);
}

TEST(ExporterBuckets, CumulativeAndCountIsTheTotal) {
    // 0.5 µs, 3 µs, 40 µs, 40 µs, 2 ms, 200 s (past every bound)
    auto h = to_prometheus(histogram_of({500, 3'000, 40'000, 40'000, 2'000'000, 200'000'000'000}),
                           4'080'043'500);
    EXPECT_EQ(h.sample_count, 6u);
    EXPECT_DOUBLE_EQ(h.sample_sum, 4.0800435);
    EXPECT_EQ(at(h, 1e-6), 1u);
    EXPECT_EQ(at(h, 5e-6), 2u);
    EXPECT_EQ(at(h, 5e-5), 4u);
    EXPECT_EQ(at(h, 2.5e-3), 5u);
    EXPECT_EQ(at(h, 10), 5u) << "200 s is only in +Inf (sample_count)";
    for (size_t i = 1; i < h.bucket.size(); ++i)
        EXPECT_GE(h.bucket[i].cumulative_count, h.bucket[i - 1].cumulative_count);
}

TEST(ExporterBuckets, NeverCountsAValueAboveItsBound) {
    // 1.1 µs is in the kernel bucket [1024, 1280) ns, wholly above 1 µs ...
    EXPECT_EQ(at(to_prometheus(histogram_of({1'100}), 1'100), 1e-6), 0u);
    // ... and 2.4 µs lies in [2048, 2560) which straddles 2.5 µs: counted at the next bound.
    auto straddling = to_prometheus(histogram_of({2'400}), 2'400);
    EXPECT_EQ(at(straddling, 2.5e-6), 0u);
    EXPECT_EQ(at(straddling, 5e-6), 1u);
}

}  // namespace
}  // namespace cgw
