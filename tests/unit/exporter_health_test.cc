#include "cgwarden/exporter/health.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ExporterHealth, AliveWhileTheLoopCompletesPasses) {
    Clock::time_point start{};
    Clock::time_point pass = start + 10s;
    EXPECT_TRUE(check_liveness(pass, start, start + 12s, 5000ms).ok);
    HealthVerdict stale = check_liveness(pass, start, start + 16s, 5000ms);
    EXPECT_FALSE(stale.ok);
    EXPECT_EQ(stale.reason, "last control loop pass ended 6.0s ago (limit 5.0s)\n");
}

TEST(ExporterHealth, StartUpGraceBeforeTheFirstPass) {
    Clock::time_point start{};
    EXPECT_TRUE(check_liveness(std::nullopt, start, start + 4s, 5000ms).ok);
    EXPECT_FALSE(check_liveness(std::nullopt, start, start + 6s, 5000ms).ok);
}

TEST(ExporterHealth, ReadyAfterTheFirstSample) {
    EXPECT_FALSE(check_readiness(std::nullopt).ok);
    EXPECT_TRUE(check_readiness(Clock::time_point{}).ok);
}

}  // namespace
}  // namespace cgw
