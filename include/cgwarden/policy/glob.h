// Cgroup path globs of the policy file, matched component by component:
// "*", "?" and "[...]" stay within one path component (fnmatch), and a
// component that is exactly "**" matches any number of components, none
// included ("/batch/**" matches /batch, /batch/a and /batch/a/b).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cgw {

// Why `glob` is not a valid cgroup path glob, or nothing when it is.
std::optional<std::string> glob_error(std::string_view glob);

// Whether the cgroup path (relative to the hierarchy root, "/a/b") matches.
bool glob_match(std::string_view glob, std::string_view path);

}  // namespace cgw
