// The control loop's standard scenario on the real kernel: a critical victim
// (wakeloop, with a run-queue SLO far below what it gets) preempted by a
// best-effort CPU hog (stress-ng, both pinned to CPU 0), and a
// daemon with an actuator that only records.
#pragma once

#include <memory>
#include <vector>

#include "cgwarden/daemon/daemon.h"
#include "test_cgroup.h"

namespace cgw::test {

// Reads every knob as 100 until written, records every write.
class RecordingActuator : public Actuator {
  public:
    explicit RecordingActuator(std::vector<Decision> &applied) : applied_(applied) {}
    std::map<KnobSlot, double> read(const std::string &path, const ClassPolicy &cls,
                                    const std::vector<std::string> &devices) override;
    Status apply(const Decision &d) override;
    std::set<KnobTarget> take_changed_externally() override { return {}; }
    Status restore_all() override { return {}; }

  private:
    std::vector<Decision> &applied_;
    std::map<KnobTarget, double> current_;
};

class ContentionScenario {
  public:
    static constexpr std::chrono::microseconds kVictimSlo{200};

    // Detects the cgroup layout, removes cgroups of crashed earlier runs,
    // starts the hog and the victim; they are killed with their cgroups.
    // Throws when the layout cannot be detected.
    ContentionScenario();

    // An enforcing daemon over the real CPU sensor; every write lands in `applied`.
    std::unique_ptr<Daemon> daemon(std::vector<Decision> &applied) const;
    // The same over the given sensors (e.g. open_sensors: CPU, IO, network).
    std::unique_ptr<Daemon> daemon(std::vector<Decision> &applied, Sensors sensors) const;

    const CgroupLayout layout;
    TestCgroup hog;
    TestCgroup victim;
    Policy policy;
    Classifier classify;
};

}  // namespace cgw::test
