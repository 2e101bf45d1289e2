#include "cgwarden/cgroup/files.h"

#include <charconv>

namespace cgw {

std::filesystem::path in_hierarchy(const std::filesystem::path &mount,
                                   const std::string &relative_path, const char *file) {
    return mount / std::filesystem::path(relative_path).relative_path() / file;
}

uint64_t to_u64(std::string_view s) {
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

}  // namespace cgw
