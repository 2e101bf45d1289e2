// Reading a cgroup's interface files: where they are and their numbers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace cgw {

// <mount>/<relative path>/<file>; the relative path may start with '/'.
std::filesystem::path in_hierarchy(const std::filesystem::path &mount,
                                   const std::string &relative_path, const char *file);

// The leading unsigned number of a cgroup file's value ("4096\n" -> 4096); 0 if none.
uint64_t to_u64(std::string_view s);

}  // namespace cgw
