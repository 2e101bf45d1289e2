// What the control loop needs from the cgroup side: read knobs, apply a
// decision, notice changes made by others, and put everything back.
// The real one journals every original before its first write (actuator/);
// tests and dry runs use others.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cgwarden/common/result.h"
#include "cgwarden/control/controller.h"
#include "cgwarden/policy/policy.h"

namespace cgw {

class Actuator {
  public:
    virtual ~Actuator() = default;

    // Current values of the knobs the class bounds, per-device knobs once for
    // each of `devices` ("MAJ:MIN"); unreadable ones are left out.
    virtual std::map<KnobSlot, double> read(const std::string &path, const ClassPolicy &cls,
                                            const std::vector<std::string> &devices) = 0;

    virtual Status apply(const Decision &decision) = 0;

    // Knobs whose value differs from cgwarden's last write: someone else
    // changed them. Each is reported once, then adopted.
    virtual std::set<KnobTarget> take_changed_externally() = 0;

    // Every knob cgwarden changed goes back to its original value.
    virtual Status restore_all() = 0;
};

}  // namespace cgw
