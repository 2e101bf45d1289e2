#include "cgwarden/cgroup/files.h"

#include <charconv>

namespace cgw {

// Built as one string: a pass builds one for every file it reads, and
// path's own operator/ parses every component.
std::filesystem::path in_hierarchy(const std::filesystem::path &mount,
                                   const std::string &relative_path, const char *file) {
    std::string path = mount.native();
    std::string_view relative = relative_path;
    while (!relative.empty() && relative.front() == '/')
        relative.remove_prefix(1);
    for (std::string_view part : {relative, std::string_view(file)}) {
        if (part.empty())
            continue;
        if (path.empty() || path.back() != '/')
            path += '/';
        path += part;
    }
    return std::filesystem::path(std::move(path));
}

uint64_t to_u64(std::string_view s) {
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

}  // namespace cgw
