#include "cgwarden/cgroup/cpu_stat.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

TEST(CpuStat, ParsesCgroupV2) {
    CpuStat s = parse_cpu_stat(
        "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n"
        "core_sched.force_idle_usec 0\nnr_periods 40\nnr_throttled 12\n"
        "throttled_usec 800000\nnr_bursts 0\nburst_usec 0\n");
    EXPECT_EQ(s.usage_ns, 2'500'000'000u);
    EXPECT_EQ(s.nr_periods, 40u);
    EXPECT_EQ(s.nr_throttled, 12u);
    EXPECT_EQ(s.throttled_ns, 800'000'000u);
}

TEST(CpuStat, ParsesCgroupV1WhereThrottledTimeIsNanoseconds) {
    CpuStat s = parse_cpu_stat(
        "nr_periods 31\nnr_throttled 29\nthrottled_time 2309456131\nnr_bursts 0\nburst_time 0\n");
    EXPECT_EQ(s.usage_ns, 0u);
    EXPECT_EQ(s.nr_periods, 31u);
    EXPECT_EQ(s.nr_throttled, 29u);
    EXPECT_EQ(s.throttled_ns, 2'309'456'131u);
}

TEST(CpuStat, EmptyTextIsAllZero) {
    CpuStat s = parse_cpu_stat("");
    EXPECT_EQ(s.usage_ns + s.nr_periods + s.nr_throttled + s.throttled_ns, 0u);
}

TEST(Psi, ParsesSomeAndFull) {
    auto psi = parse_psi(
        "some avg10=1.50 avg60=0.20 avg300=0.05 total=123456\n"
        "full avg10=0.00 avg60=0.00 avg300=0.00 total=789\n");
    ASSERT_TRUE(psi) << psi.error().message;
    EXPECT_DOUBLE_EQ(psi->some_avg10, 1.5);
    EXPECT_EQ(psi->some_total_us, 123456u);
    EXPECT_EQ(psi->full_total_us, 789u);
}

TEST(Psi, RejectsMalformedText) {
    EXPECT_FALSE(parse_psi("some avg10 1.0\n"));
    EXPECT_FALSE(parse_psi(""));
    // Once an exception from std::stod on the loop thread: an error now.
    for (const char *bad :
         {"some avg10=x avg60=0.00 avg300=0.00 total=1\n", "some avg10=1e999999 total=1\n",
          "some avg10=1.5junk total=1\n", "some avg10= total=1\n"}) {
        auto psi = parse_psi(bad);
        ASSERT_FALSE(psi) << bad;
        EXPECT_NE(psi.error().message.find("malformed PSI field 'avg10="), std::string::npos)
            << psi.error().message;
    }
}

}  // namespace
}  // namespace cgw
