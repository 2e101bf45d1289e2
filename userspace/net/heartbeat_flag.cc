#include "cgwarden/net/heartbeat_flag.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace cgw {

namespace {

constexpr const char *kForm = "expected NAME=PROTO:PORT[:INTERVAL], e.g. kubelet=tcp:6443:10s";

Error bad(std::string_view text, const std::string &why) {
    return Error{fmt::format("--heartbeat {}: {} ({})", text, why, kForm)};
}

bool valid_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

std::optional<uint16_t> parse_port(std::string_view s) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || value == 0 || value > 65535)
        return std::nullopt;
    return static_cast<uint16_t>(value);
}

// "250ms", "10s", "1.5s", "2m", "500us": a positive number and a unit.
std::optional<Duration> parse_interval(std::string_view s) {
    size_t unit_at = s.find_first_not_of("0123456789.");
    if (unit_at == 0 || unit_at == std::string_view::npos)
        return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + unit_at, value);
    if (ec != std::errc() || end != s.data() + unit_at || !(value > 0))
        return std::nullopt;
    std::string_view unit = s.substr(unit_at);
    double ns_per_unit = unit == "us"   ? 1e3
                         : unit == "ms" ? 1e6
                         : unit == "s"  ? 1e9
                         : unit == "m"  ? 60e9
                                        : 0;
    if (ns_per_unit == 0 || value * ns_per_unit < 1e3 || value * ns_per_unit > 86400e9)
        return std::nullopt;
    return Duration(static_cast<int64_t>(std::llround(value * ns_per_unit)));
}

}  // namespace

Result<HeartbeatFlow> parse_heartbeat_flag(std::string_view text) {
    size_t eq = text.find('=');
    if (eq == std::string_view::npos)
        return bad(text, "no '=' after the name");
    HeartbeatFlow flow;
    flow.name = std::string(text.substr(0, eq));
    if (!valid_name(flow.name))
        return bad(text, "the name must be letters, digits, '_', '-' or '.'");

    std::string_view rest = text.substr(eq + 1);
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos)
        return bad(text, "no ':PORT' after the protocol");
    std::string_view proto = rest.substr(0, colon);
    if (proto != "udp" && proto != "tcp")
        return bad(text, fmt::format("protocol '{}' is neither udp nor tcp", proto));
    flow.proto = std::string(proto);

    rest = rest.substr(colon + 1);
    colon = rest.find(':');
    std::string_view port = rest.substr(0, colon);
    auto parsed_port = parse_port(port);
    if (!parsed_port)
        return bad(text, fmt::format("port '{}' is not a number from 1 to 65535", port));
    flow.port = *parsed_port;

    if (colon != std::string_view::npos) {
        std::string_view interval = rest.substr(colon + 1);
        auto parsed = parse_interval(interval);
        if (!parsed)
            return bad(text, fmt::format("interval '{}' is not a duration from 1us to 24h with "
                                         "a unit (us, ms, s, m), e.g. 10s",
                                         interval));
        flow.interval = *parsed;
    }
    return flow;
}

}  // namespace cgw
