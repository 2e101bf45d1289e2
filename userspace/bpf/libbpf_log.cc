#include "cgwarden/bpf/libbpf_log.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace cgw {

namespace {

int print_to_spdlog(enum libbpf_print_level level, const char *format, va_list args) {
    va_list copy;
    va_copy(copy, args);
    int len = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (len <= 0)
        return 0;
    // Verifier logs run to megabytes: size the buffer to the message, never cut it.
    std::string text(static_cast<size_t>(len) + 1, '\0');
    std::vsnprintf(text.data(), text.size(), format, args);
    text.resize(static_cast<size_t>(len));
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    switch (level) {
        case LIBBPF_WARN:
            spdlog::warn("libbpf: {}", text);
            break;
        case LIBBPF_INFO:
            spdlog::debug("libbpf: {}", text);
            break;
        case LIBBPF_DEBUG:
            spdlog::trace("libbpf: {}", text);
            break;
    }
    return len;
}

}  // namespace

void route_libbpf_log_to_spdlog() {
    libbpf_set_print(print_to_spdlog);
}

}  // namespace cgw
