#include "cgwarden/policy/units.h"

#include <charconv>
#include <cmath>
#include <string>

namespace cgw {

namespace {

constexpr double kMaxScaled = 4611686018427387904.0;  // 2^62

struct Suffix {
    std::string_view name;
    double factor;
};

// A finite, non-negative number followed by one of `suffixes` (an empty name
// means the suffix may be left out). Longest names are listed first so "Mi"
// is not read as "M" followed by junk.
template <size_t N>
Result<double> parse_scaled(std::string_view text, const Suffix (&suffixes)[N],
                            std::string_view what) {
    auto fail = [&] { return expected(what, text); };
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || !std::isfinite(number) || number < 0)
        return fail();
    std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
    for (const Suffix &s : suffixes) {
        if (unit != s.name)
            continue;
        // Above 2^62 (4 EiB, 146 years in ns) is a typo, and would overflow
        // the integers knobs and durations are kept in.
        double scaled = number * s.factor;
        if (!std::isfinite(scaled) || scaled > kMaxScaled)
            return Error{expected(what, text).message + " (too large)"};
        return scaled;
    }
    return fail();
}

constexpr double kKi = 1024.0;

constexpr Suffix kSizeSuffixes[] = {
    {"KiB", kKi},
    {"MiB", kKi *kKi},
    {"GiB", kKi *kKi *kKi},
    {"TiB", kKi *kKi *kKi *kKi},
    {"Ki", kKi},
    {"Mi", kKi *kKi},
    {"Gi", kKi *kKi *kKi},
    {"Ti", kKi *kKi *kKi *kKi},
    {"KB", 1e3},
    {"MB", 1e6},
    {"GB", 1e9},
    {"TB", 1e12},
    {"K", 1e3},
    {"k", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
    {"B", 1},
    {"", 1},
};

}  // namespace

Error expected(std::string_view what, std::string_view got) {
    return Error{"expected " + std::string(what) + ", got '" + std::string(got) + "'"};
}

Result<Duration> parse_duration(std::string_view text) {
    static constexpr Suffix kUnits[] = {
        {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
    };
    auto ns = parse_scaled(text, kUnits, "a duration like 5ms or 1.5s");
    if (!ns)
        return ns.error();
    return Duration(static_cast<Duration::rep>(std::llround(*ns)));
}

Result<double> parse_size(std::string_view text) {
    auto bytes = parse_scaled(text, kSizeSuffixes, "a size like 512Mi, 1G or 4096 (bytes)");
    if (!bytes)
        return bytes.error();
    return std::round(*bytes);
}

Result<double> parse_rate(std::string_view text) {
    constexpr std::string_view what = "a rate like 10MiB/s or 100M/s";
    if (!text.ends_with("/s"))
        return expected(what, text);
    auto bytes = parse_scaled(text.substr(0, text.size() - 2), kSizeSuffixes, what);
    if (!bytes)
        return expected(what, text);
    return std::round(*bytes);
}

Result<double> parse_cpus(std::string_view text) {
    static constexpr Suffix kUnits[] = {{"m", 1e-3}, {"", 1}};
    return parse_scaled(text, kUnits, "CPUs like 0.5, 2 or 500m");
}

Result<double> parse_percent(std::string_view text) {
    static constexpr Suffix kUnits[] = {{"%", 0.01}};
    static constexpr std::string_view kWhat = "a share like 10% (above 0, at most 100%)";
    auto share = parse_scaled(text, kUnits, kWhat);
    if (share && (*share <= 0 || *share > 1))
        return expected(kWhat, text);
    return share;
}

Result<double> parse_weight(std::string_view text) {
    auto weight = parse_integer(text, 1, 10000, "a weight 1..10000");
    if (!weight)
        return weight.error();
    return static_cast<double>(*weight);
}

Result<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max,
                              std::string_view what) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
        return expected(what, text);
    return value;
}

Result<uint16_t> parse_port(std::string_view text) {
    auto port = parse_integer(text, 1, 65535, "a port 1..65535");
    if (!port)
        return port.error();
    return static_cast<uint16_t>(*port);
}

Result<Duration> parse_positive_duration(std::string_view text) {
    auto d = parse_duration(text);
    if (d && d->count() <= 0)
        return expected("a duration longer than 0", text);
    return d;
}

}  // namespace cgw
