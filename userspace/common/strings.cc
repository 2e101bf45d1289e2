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

}  // namespace cgw
