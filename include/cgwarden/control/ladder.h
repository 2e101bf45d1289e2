// Which knobs answer which breach, in the order the controller tries them,
// and what of a cgroup's activity each one restrains.
#pragma once

#include <span>
#include <string>

#include "cgwarden/control/controller.h"

namespace cgw {

// The knobs that answer a breach of `slo`, in the order they are tried:
// what governs the victim's latency and costs the antagonist least first, a
// cap on its throughput last. CPU (cpu_delay_p99, heartbeat_gap): the
// weight ratio, then SCHED_IDLE (wake-up latency follows both), then the
// quota, which costs throughput and does not shorten a wake-up. IO: the
// weight, then the rate limit. Egress and memory have one knob each.
std::span<const Knob> ladder_for(const std::string &slo);

// The ladder the knob is a rung of (empty for none).
std::span<const Knob> ladder_of(Knob knob);

bool is_cpu_knob(Knob knob);

// Knobs that limit what a cgroup may use, whoever else wants it; the others
// (weights, cpu.idle) only order who goes first.
bool is_cap(Knob knob);

// What the cgroup does that the knob restrains: CPUs used or waited for (a
// cgroup starved by cpu.idle still wants them), bytes/s read and written
// (on the knob's device, or all), bytes/s sent. Memory held never "stops":
// infinity.
double activity(const CgroupInput &cg, const KnobTarget &target);

}  // namespace cgw
