#include "cgwarden/common/histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace cgw {
namespace {

TEST(Histogram, EveryValueFallsInsideItsBucket) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200000; ++i) {
        uint64_t v = rng() >> (rng() % 64);
        uint32_t b = cgw_hist_bucket(v);
        ASSERT_LT(b, LatencyHistogram::kBuckets);
        if (b == LatencyHistogram::kBuckets - 1)
            continue;  // saturating bucket
        ASSERT_LE(LatencyHistogram::bucket_lower_ns(b), v) << v;
        ASSERT_LT(v, LatencyHistogram::bucket_lower_ns(b + 1)) << v;
    }
}

TEST(Histogram, BucketsAreContiguousAndAtMostAQuarterWide) {
    for (uint32_t b = 0; b + 1 < LatencyHistogram::kBuckets; ++b) {
        uint64_t lo = LatencyHistogram::bucket_lower_ns(b);
        uint64_t hi = LatencyHistogram::bucket_lower_ns(b + 1);
        ASSERT_LT(lo, hi);
        EXPECT_EQ(cgw_hist_bucket(lo), b);
        EXPECT_EQ(cgw_hist_bucket(hi - 1), b);
        if (lo >= 1024) {
            EXPECT_LE(hi - lo, lo / 4) << "bucket " << b;
        }
    }
}

TEST(Histogram, FirstBucketsAreLinearBelowOneMicrosecond) {
    EXPECT_EQ(cgw_hist_bucket(0), 0u);
    EXPECT_EQ(cgw_hist_bucket(255), 0u);
    EXPECT_EQ(cgw_hist_bucket(256), 1u);
    EXPECT_EQ(cgw_hist_bucket(1023), 3u);
    EXPECT_EQ(cgw_hist_bucket(1024), 4u);
    EXPECT_EQ(cgw_hist_bucket(UINT64_MAX), LatencyHistogram::kBuckets - 1);
}

LatencyHistogram from_values(const std::vector<uint64_t> &values) {
    LatencyHistogram h;
    LatencyHistogram::Counts counts{};
    for (uint64_t v : values)
        counts[cgw_hist_bucket(v)]++;
    h.add(counts.data());
    return h;
}

TEST(Histogram, QuantilesOfAUniformDistributionAreWithinABucket) {
    std::vector<uint64_t> values;
    for (uint64_t v = 1; v <= 100000; ++v)
        values.push_back(v * 100);  // 100 ns .. 10 ms
    LatencyHistogram h = from_values(values);
    EXPECT_EQ(h.total(), values.size());
    EXPECT_NEAR(h.quantile_ns(0.5, 10'000'000), 5'000'000, 5'000'000 * 0.05);
    EXPECT_NEAR(h.quantile_ns(0.99, 10'000'000), 9'900'000, 9'900'000 * 0.05);
    EXPECT_LE(h.quantile_ns(1.0, 10'000'000), 10'000'000);
}

TEST(Histogram, QuantileNeverExceedsTheObservedMaximum) {
    LatencyHistogram h = from_values({3000, 3000, 3000});
    EXPECT_LE(h.quantile_ns(0.99, 3000), 3000);
    EXPECT_GE(h.quantile_ns(0.5, 3000), LatencyHistogram::bucket_lower_ns(cgw_hist_bucket(3000)));
}

TEST(Histogram, EmptyHistogramHasZeroQuantiles) {
    LatencyHistogram h;
    EXPECT_EQ(h.quantile_ns(0.99, 0), 0);
}

TEST(Histogram, SubtractingAnOlderReadingLeavesTheWindow) {
    LatencyHistogram older = from_values({1000, 2000});
    LatencyHistogram newer = from_values({1000, 2000, 50000, 50000});
    newer -= older;
    EXPECT_EQ(newer.total(), 2u);
    EXPECT_EQ(newer.counts()[cgw_hist_bucket(50000)], 2u);
}

TEST(Histogram, ARestartedCounterIsTakenWhole) {
    LatencyHistogram older = from_values({1000, 1000, 1000});
    LatencyHistogram newer = from_values({1000, 7000});
    newer -= older;
    EXPECT_EQ(newer.total(), 2u);
}

}  // namespace
}  // namespace cgw
