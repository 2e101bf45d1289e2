#include "cgwarden/common/strings.h"

namespace cgw {

std::vector<std::string_view> split_nonempty(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(sep, start);
        if (end == std::string_view::npos)
            end = text.size();
        if (end > start)
            parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

bool is_ancestor_path(std::string_view ancestor, std::string_view path) {
    if (ancestor == "/")
        return path != "/";
    return path.size() > ancestor.size() && path.starts_with(ancestor) &&
           path[ancestor.size()] == '/';
}

std::string_view keyed_value(std::string_view line, std::string_view key) {
    for (std::string_view item : split_nonempty(line, ' '))
        if (item.size() > key.size() && item.starts_with(key) && item[key.size()] == '=')
            return item.substr(key.size() + 1);
    return {};
}

namespace {

// The length of the valid UTF-8 sequence at the start of `text`, 0 if there
// is none (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
size_t utf8_sequence(std::string_view text) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char b0 = byte(0);
    if (b0 < 0x80)
        return 1;
    size_t n = b0 >= 0xC2 && b0 <= 0xDF   ? 2
               : b0 >= 0xE0 && b0 <= 0xEF ? 3
               : b0 >= 0xF0 && b0 <= 0xF4 ? 4
                                          : 0;
    if (n == 0 || text.size() < n)
        return 0;
    for (size_t i = 1; i < n; ++i)
        if ((byte(i) & 0xC0) != 0x80)
            return 0;
    unsigned char b1 = byte(1);
    if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F) || (b0 == 0xF0 && b1 < 0x90) ||
        (b0 == 0xF4 && b1 > 0x8F))
        return 0;
    return n;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        size_t n = utf8_sequence(text);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            n = 1;
        } else {
            out.append(text.substr(0, n));
        }
        text.remove_prefix(n);
    }
    return out;
}

}  // namespace cgw
