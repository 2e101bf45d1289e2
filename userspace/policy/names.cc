#include "cgwarden/policy/policy.h"

namespace cgw {

// The names used in the policy file, logs and metrics.
const char *to_string(Knob knob) {
    switch (knob) {
        case Knob::CpuWeight:
            return "cpu_weight";
        case Knob::CpuIdle:
            return "cpu_idle";
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

std::optional<Knob> knob_from_string(std::string_view name) {
    for (Knob knob : {Knob::CpuWeight, Knob::CpuIdle, Knob::CpuMax, Knob::IoWeight, Knob::IoMax,
                      Knob::MemoryHigh, Knob::NetEgressRate})
        if (name == to_string(knob))
            return knob;
    return std::nullopt;
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

std::optional<Mode> mode_from_string(std::string_view name) {
    for (Mode mode : {Mode::Enforce, Mode::DryRun, Mode::Monitor})
        if (name == to_string(mode))
            return mode;
    return std::nullopt;
}

const char *to_string(QosClass qos) {
    switch (qos) {
        case QosClass::Guaranteed:
            return "guaranteed";
        case QosClass::Burstable:
            return "burstable";
        case QosClass::BestEffort:
            return "besteffort";
    }
    return "unknown";
}

}  // namespace cgw
