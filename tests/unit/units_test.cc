#include "cgwarden/policy/units.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

using namespace std::chrono_literals;

TEST(Units, Durations) {
    EXPECT_EQ(*parse_duration("500us"), 500us);
    EXPECT_EQ(*parse_duration("5ms"), 5ms);
    EXPECT_EQ(*parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(*parse_duration("2m"), 120s);
    EXPECT_EQ(*parse_duration("1h"), 3600s);
    EXPECT_EQ(*parse_duration("250ns"), 250ns);
    EXPECT_EQ(*parse_duration("0s"), 0s);
    for (const char *bad : {"5", "fast", "5 ms", "-1s", "1.5", "ms", "", "5sec", "infs"})
        EXPECT_FALSE(parse_duration(bad)) << bad;
    EXPECT_EQ(parse_duration("fast").error().message,
              "expected a duration like 5ms or 1.5s, got 'fast'");
    EXPECT_FALSE(parse_positive_duration("0ms"));
    EXPECT_EQ(*parse_positive_duration("1ms"), 1ms);
}

TEST(Units, SizesAreDecimalOrBinary) {
    EXPECT_EQ(*parse_size("4096"), 4096);
    EXPECT_EQ(*parse_size("64K"), 64000);
    EXPECT_EQ(*parse_size("512Mi"), 512.0 * 1024 * 1024);
    EXPECT_EQ(*parse_size("1G"), 1e9);
    EXPECT_EQ(*parse_size("2GiB"), 2.0 * 1024 * 1024 * 1024);
    EXPECT_EQ(*parse_size("1.5Ki"), 1536);
    EXPECT_EQ(*parse_size("10MB"), 1e7);
    for (const char *bad : {"1X", "Mi", "-1M", "1 G", "1Gib"})
        EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(Units, RatesAreSizesPerSecond) {
    EXPECT_EQ(*parse_rate("10MiB/s"), 10.0 * 1024 * 1024);
    EXPECT_EQ(*parse_rate("100M/s"), 1e8);
    EXPECT_EQ(*parse_rate("4096/s"), 4096);
    for (const char *bad : {"10MiB", "10MiB/m", "/s", "fast/s"})
        EXPECT_FALSE(parse_rate(bad)) << bad;
    EXPECT_EQ(parse_rate("10MiB").error().message,
              "expected a rate like 10MiB/s or 100M/s, got '10MiB'");
}

TEST(Units, CpusAndMillicores) {
    EXPECT_DOUBLE_EQ(*parse_cpus("0.5"), 0.5);
    EXPECT_DOUBLE_EQ(*parse_cpus("2"), 2);
    EXPECT_DOUBLE_EQ(*parse_cpus("500m"), 0.5);
    EXPECT_DOUBLE_EQ(*parse_cpus("1500m"), 1.5);
    for (const char *bad : {"2 cpus", "m", "-1", "1ms"})
        EXPECT_FALSE(parse_cpus(bad)) << bad;
}

TEST(Units, Percentages) {
    EXPECT_DOUBLE_EQ(*parse_percent("10%"), 0.1);
    EXPECT_DOUBLE_EQ(*parse_percent("0.5%"), 0.005);
    EXPECT_DOUBLE_EQ(*parse_percent("100%"), 1);
    for (const char *bad : {"0%", "101%", "10", "0.1", "-5%", "%", "10 %"})
        EXPECT_FALSE(parse_percent(bad)) << bad;
}

// A product past 2^62 once overflowed (llround of infinity is undefined).
TEST(Units, ValuesTooLargeAreRefusedNotOverflowed) {
    for (const char *text : {"1e300h", "1e19s", "200y"}) {
        auto d = parse_duration(text);
        EXPECT_FALSE(d) << text;
    }
    auto d = parse_duration("1e300h");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message, "expected a duration like 5ms or 1.5s, got '1e300h' (too large)");
    EXPECT_FALSE(parse_size("99999999T"));
    EXPECT_FALSE(parse_rate("1e300Gi/s"));
    EXPECT_TRUE(parse_size("4Ti")) << "large, not absurd";
}

TEST(Units, WeightsPortsAndIntegers) {
    EXPECT_EQ(*parse_weight("1"), 1);
    EXPECT_EQ(*parse_weight("10000"), 10000);
    for (const char *bad : {"0", "10001", "1.5", "heavy"})
        EXPECT_FALSE(parse_weight(bad)) << bad;
    EXPECT_EQ(*parse_port("1"), 1);
    EXPECT_EQ(*parse_port("65535"), 65535);
    for (const char *bad : {"0", "65536", "http", "80x"})
        EXPECT_FALSE(parse_port(bad)) << bad;
    EXPECT_EQ(*parse_integer("-7", -10, 10, "x"), -7);
    EXPECT_FALSE(parse_integer("7.0", -10, 10, "x"));
    EXPECT_EQ(parse_integer("11", -10, 10, "a number -10..10").error().message,
              "expected a number -10..10, got '11'");
}

}  // namespace
}  // namespace cgw
