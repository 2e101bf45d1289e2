#include "cgwarden/policy/policy.h"

namespace cgw {

// The names used in the policy file, logs and metrics.
const char *to_string(Knob knob) {
    switch (knob) {
        case Knob::CpuWeight:
            return "cpu_weight";
        case Knob::CpuMax:
            return "cpu_max";
        case Knob::IoWeight:
            return "io_weight";
        case Knob::IoMax:
            return "io_max";
        case Knob::MemoryHigh:
            return "memory_high";
        case Knob::NetEgressRate:
            return "net_egress_rate";
    }
    return "unknown";
}

const char *to_string(Mode mode) {
    switch (mode) {
        case Mode::Enforce:
            return "enforce";
        case Mode::DryRun:
            return "dry-run";
        case Mode::Monitor:
            return "monitor";
    }
    return "unknown";
}

}  // namespace cgw
