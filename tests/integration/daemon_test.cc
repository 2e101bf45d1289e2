// The control loop on the real kernel, with an actuator that only records:
// a critical victim breaching its run-queue SLO makes the loop step down the
// best-effort hog that preempts it, and nothing else.
#include "cgwarden/daemon/daemon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "contention_scenario.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;

TEST(Daemon, StepsDownTheHogThatPreemptsACriticalVictim) {
    ASSERT_EQ(::geteuid(), 0u) << "integration tests load BPF and create cgroups: run as root";
    test::ContentionScenario scenario;
    std::vector<Decision> applied;
    auto daemon = scenario.daemon(applied);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(daemon->tick());
        std::this_thread::sleep_for(1s);
    }

    ASSERT_FALSE(applied.empty()) << "the victim's p99 is far above 200us under the hog";
    for (const Decision &d : applied) {
        EXPECT_EQ(d.cgroup, scenario.hog.path()) << "only the hog is ever stepped";
        EXPECT_EQ(d.direction, Direction::Down);
        ASSERT_TRUE(d.evidence);
        EXPECT_EQ(d.evidence->victim, scenario.victim.path());
        EXPECT_GT(d.evidence->observed, 200e-6);
    }
    EXPECT_EQ(applied.front().new_value, 70);
    EXPECT_GE(applied.back().new_value, 10) << "never below the floor";
    EXPECT_EQ(daemon->history()->records().size(), applied.size());
    EXPECT_EQ(daemon->history()->total(), applied.size());
}

}  // namespace
}  // namespace cgw
