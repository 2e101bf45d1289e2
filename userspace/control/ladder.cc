#include "cgwarden/control/ladder.h"

#include <algorithm>
#include <iterator>

namespace cgw {

namespace {

constexpr Knob kCpuLadder[] = {Knob::CpuWeight, Knob::CpuIdle, Knob::CpuMax};
constexpr Knob kIoLadder[] = {Knob::IoWeight, Knob::IoMax};
constexpr Knob kNetLadder[] = {Knob::NetEgressRate};
constexpr Knob kMemoryLadder[] = {Knob::MemoryHigh};

}  // namespace

std::span<const Knob> ladder_for(const std::string &slo) {
    if (slo == "io_latency_p99")
        return kIoLadder;
    if (slo == "memory_stall")
        return kMemoryLadder;
    if (slo == "heartbeat_drops")
        return kNetLadder;
    return kCpuLadder;  // cpu_delay_p99, heartbeat_gap (the sender did not run)
}

std::span<const Knob> ladder_of(Knob knob) {
    for (std::span<const Knob> ladder :
         {std::span<const Knob>(kCpuLadder), std::span<const Knob>(kIoLadder),
          std::span<const Knob>(kNetLadder), std::span<const Knob>(kMemoryLadder)})
        if (std::find(ladder.begin(), ladder.end(), knob) != ladder.end())
            return ladder;
    return {};
}

bool is_cpu_knob(Knob knob) {
    return ladder_of(knob).data() == std::begin(kCpuLadder);
}

bool is_cap(Knob knob) {
    return knob == Knob::CpuMax || knob == Knob::IoMax || knob == Knob::NetEgressRate ||
           knob == Knob::MemoryHigh;
}

double activity(const CgroupInput &cg, const KnobTarget &target) {
    switch (target.knob) {
        case Knob::CpuWeight:
        case Knob::CpuIdle:
        case Knob::CpuMax:
            return cg.cpu_usage + cg.cpu_waiting;
        case Knob::IoWeight:
        case Knob::IoMax: {
            double bytes = 0;
            for (const auto &[device, io] : cg.io_devices)
                if (target.device.empty() || device == target.device)
                    bytes += io.bytes_per_s;
            return bytes;
        }
        case Knob::NetEgressRate:
            return cg.tx_bytes_per_s;
        case Knob::MemoryHigh:
            break;
    }
    return kUnlimited;
}

}  // namespace cgw
