// The units a policy file is written in. Each parser takes the text of one
// YAML scalar and either returns the value in the policy unit or says what it
// expected, so the caller can prefix file, line and key.
#pragma once

#include <cstdint>
#include <string_view>

#include "cgwarden/common/result.h"
#include "cgwarden/policy/policy.h"

namespace cgw {

// "expected <what>, got '<text>'": the one shape of every bad-value message.
Error expected(std::string_view what, std::string_view got);

// "500us", "5ms", "1.5s", "2m", "1h" (also "ns"); a unit is required so that
// "5" is never silently read as seconds or milliseconds.
Result<Duration> parse_duration(std::string_view text);

// Bytes: "4096", "64K", "512Mi", "1G", "2Gi", "1.5GiB". K/M/G/T are powers of
// 1000, Ki/Mi/Gi/Ti powers of 1024; a trailing "B" is allowed.
Result<double> parse_size(std::string_view text);

// Bytes per second: a size followed by "/s": "10MiB/s", "100M/s", "4096/s".
Result<double> parse_rate(std::string_view text);

// CPUs: "0.5", "2", or millicores as Kubernetes writes them: "500m".
Result<double> parse_cpus(std::string_view text);

// A share: "10%", "0.5%", above 0 and at most 100%; returns the fraction (0.1).
Result<double> parse_percent(std::string_view text);

// cgroup v2 weight scale: an integer 1..10000.
Result<double> parse_weight(std::string_view text);

// A whole number from min to max (a priority, a count); otherwise the error
// says "expected <what>".
Result<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max,
                              std::string_view what);

// A TCP/UDP port, 1..65535.
Result<uint16_t> parse_port(std::string_view text);

// A duration that must be longer than zero (intervals, windows, SLOs).
Result<Duration> parse_positive_duration(std::string_view text);

}  // namespace cgw
