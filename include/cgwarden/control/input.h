// Builds the controller's view of one interval from the pass's model (its
// signals by cgroup path): each cgroup gets its class and the current values
// of the knobs its class bounds. The I/O
// (knob reads, classification) is passed in, so this stays testable without
// cgroupfs.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cgwarden/control/controller.h"
#include "cgwarden/model/pass_model.h"
#include "cgwarden/net/drop_reasons.h"
#include "cgwarden/signals/signals.h"

namespace cgw {

using Classifier = std::function<std::optional<size_t>(const std::string &path)>;
// Current values of the given class's knobs for a cgroup, per-device knobs
// for each of `devices`; knobs that cannot be read are left out (the
// controller then leaves them alone).
using KnobReader = std::function<std::map<KnobSlot, double>(
    const std::string &path, const ClassPolicy &cls, const std::vector<std::string> &devices)>;

struct InputSources {
    const Policy &policy;
    Classifier classify;
    KnobReader read_knobs;
    unsigned cpus = 1;  // CPUs of the node, for its busy fraction
    // Names the kernel's drop reason codes ("QDISC_DROP").
    const DropReasonNames *drop_names = nullptr;
    // Knobs the controller holds: their cgroups are in the input while they
    // exist, idle or not, and a per-device knob is read on its device even
    // in an interval without IO there, so an antagonist that stopped (or
    // that its limit slowed to a trickle) keeps its knobs tracked.
    std::set<KnobTarget> held = {};
    // Whether io_weight acts on a disk "MAJ:MIN"; unset: assumed to.
    std::function<bool(const std::string &device)> io_weight_acts = {};
};

ControllerInput build_controller_input(const PassModel &model, Duration now, InputSources &sources);

}  // namespace cgw
