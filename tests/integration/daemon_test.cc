// The control loop on the real kernel, with an actuator that only records:
// a critical victim breaching its run-queue SLO makes the loop step down the
// best-effort hog that preempts it, and nothing else.
#include "cgwarden/daemon/daemon.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "test_cgroup.h"

namespace cgw {
namespace {

using namespace std::chrono_literals;

class RecordingActuator : public Actuator {
  public:
    explicit RecordingActuator(std::vector<Decision> &applied) : applied_(applied) {}
    std::map<Knob, double> read(const std::string &path, const ClassPolicy &cls) override {
        std::map<Knob, double> values;
        for (const auto &[knob, bounds] : cls.knobs)
            values[knob] = current_.count({path, knob}) ? current_[{path, knob}] : 100;
        return values;
    }
    Status apply(const Decision &d) override {
        applied_.push_back(d);
        current_[{d.cgroup, d.knob}] = d.new_value;
        return {};
    }
    std::set<std::pair<std::string, Knob>> take_changed_externally() override { return {}; }
    Status restore_all() override { return {}; }

  private:
    std::vector<Decision> &applied_;
    std::map<std::pair<std::string, Knob>, double> current_;
};

TEST(Daemon, StepsDownTheHogThatPreemptsACriticalVictim) {
    ASSERT_EQ(::geteuid(), 0u) << "integration tests load BPF and create cgroups: run as root";
    auto layout = detect_cgroup_layout();
    ASSERT_TRUE(layout) << layout.error().message;
    test::remove_stale_test_cgroups(*layout);
    test::TestCgroup hog(*layout, "daemon-hog");
    test::TestCgroup victim(*layout, "daemon-victim");
    hog.spawn({"stress-ng", "--cpu", std::to_string(std::thread::hardware_concurrency() + 1),
               "--timeout", "60s", "--quiet"});
    victim.spawn({test::tool_path("wakeloop"), "--sleep-us", "1000", "--work-us", "500"});

    Policy policy;
    policy.mode = Mode::Enforce;
    ClassPolicy critical;
    critical.name = "critical";
    critical.priority = 100;
    critical.slo.cpu_delay_p99 = 200us;  // far below what a CPU hog leaves it
    ClassPolicy best_effort;
    best_effort.name = "best-effort";
    best_effort.knobs[Knob::CpuWeight] = {
        .floor = 10, .ceiling = 100, .step = 30, .hold_down = 10s, .cooldown = 0s};
    policy.classes = {critical, best_effort};
    Classifier classify = [&](const std::string &path) -> std::optional<size_t> {
        if (path == victim.path())
            return 0;
        if (path == hog.path())
            return 1;
        return std::nullopt;
    };

    auto sensor = CpuSensor::open(probe_kernel_features());
    ASSERT_TRUE(sensor) << sensor.error().message;
    std::vector<Decision> applied;
    Daemon daemon(policy, *layout, classify, std::move(sensor).value(),
                  std::make_unique<RecordingActuator>(applied),
                  std::thread::hardware_concurrency());
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(daemon.tick());
        std::this_thread::sleep_for(1s);
    }

    ASSERT_FALSE(applied.empty()) << "the victim's p99 is far above 200us under the hog";
    for (const Decision &d : applied) {
        EXPECT_EQ(d.cgroup, hog.path()) << "only the hog is ever stepped";
        EXPECT_EQ(d.direction, Direction::Down);
        ASSERT_TRUE(d.evidence);
        EXPECT_EQ(d.evidence->victim, victim.path());
        EXPECT_GT(d.evidence->observed, 200e-6);
    }
    EXPECT_EQ(applied.front().new_value, 70);
    EXPECT_GE(applied.back().new_value, 10) << "never below the floor";
    EXPECT_EQ(daemon.history().size(), applied.size());
}

}  // namespace
}  // namespace cgw
