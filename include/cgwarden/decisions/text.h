// Decisions for people: the daemon's log lines and `cgwarden decisions`' table.
#pragma once

#include <string>

#include "cgwarden/decisions/json.h"

namespace cgw {

// "cpu_delay_p99=0.004100s slo=0.000200s", "heartbeat_drops=3 slo=0",
// "memory_stall=9.23% slo=1%", with the disk or flow it concerns: the log's
// form, exact and greppable.
std::string slo_text(const std::string &slo, double observed, double target,
                     const std::string &device, const std::string &flow);

// A time in UTC with milliseconds appended to a strftime format of seconds
// precision: ("%H:%M:%S") -> "14:02:03.123".
std::string utc_time_text(uint64_t unix_time_ns, const char *seconds_format);

// An SLO signal's value in its unit, readable: "4.1ms", "9.2%", "3".
std::string slo_value_text(const std::string &slo, double v);

// A knob value in the log: "max" when unlimited, else the policy unit's number, exact.
std::string value_text(double v);

// A knob value in its unit, readable: "70", "1.5 CPUs", "12.5MiB/s", "max".
std::string knob_value_text(Knob knob, double v);

// One line per decision, oldest first, with what triggered it:
//   TIME (UTC)          CGROUP      KNOB        CHANGE     RULE        WHY
//   11-25 14:02:03.123  /batch/hog  cpu_weight  100 -> 70  slo-breach  /critical/web
//                                   cpu_delay_p99 4.10ms > 200us, 93% of it  (one line)
std::string decision_table(const DecisionDocument &document);

}  // namespace cgw
