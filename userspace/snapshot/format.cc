#include "cgwarden/snapshot/format.h"

#include <fmt/format.h>

namespace cgw {

std::string human_duration(double s) {
    if (s == 0)
        return "0";
    if (s < 1e-6)
        return fmt::format("{:.0f}ns", s * 1e9);
    if (s < 1e-3)
        return fmt::format("{:.1f}us", s * 1e6);
    if (s < 1)
        return fmt::format("{:.2f}ms", s * 1e3);
    return fmt::format("{:.2f}s", s);
}

std::string human_bytes(uint64_t bytes) {
    if (bytes < 1024)
        return fmt::format("{}B", bytes);
    double v = static_cast<double>(bytes) / 1024;
    for (const char *unit : {"KiB", "MiB", "GiB"}) {
        if (v < 1024)
            return fmt::format("{:.1f}{}", v, unit);
        v /= 1024;
    }
    return fmt::format("{:.1f}TiB", v);
}

}  // namespace cgw
