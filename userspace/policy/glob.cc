#include "cgwarden/policy/glob.h"

#include <fnmatch.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

// Whether the glob's components match the path's, by dynamic programming
// over (glob component, path position): linear in the glob times the path.
// Backtracking over each "**" took exponential time in their number, and
// cgroup paths come from users (a delegated subtree names its own).
bool match_components(std::span<const std::string_view> glob,
                      std::span<const std::string_view> path) {
    // reach[j]: the components so far match path[0, j).
    std::vector<char> reach(path.size() + 1, 0), next(path.size() + 1, 0);
    reach[0] = 1;
    for (std::string_view g : glob) {
        std::fill(next.begin(), next.end(), 0);
        if (g == "**") {
            char any = 0;
            for (size_t j = 0; j <= path.size(); ++j)
                next[j] = any |= reach[j];
        } else {
            std::string pattern(g);
            for (size_t j = 0; j < path.size(); ++j)
                next[j + 1] =
                    reach[j] && ::fnmatch(pattern.c_str(), std::string(path[j]).c_str(), 0) == 0;
        }
        reach.swap(next);
    }
    return reach[path.size()] != 0;
}

}  // namespace

std::optional<std::string> glob_error(std::string_view glob) {
    if (!glob.starts_with('/'))
        return "a cgroup path glob starts with '/' (paths are relative to the hierarchy root)";
    for (std::string_view c : split_nonempty(glob, '/')) {
        if (c != "**" && c.find("**") != std::string_view::npos)
            return "'**' must be a whole path component, as in /a/**/b";
        size_t open = c.find('[');
        if (open != std::string_view::npos && c.find(']', open + 1) == std::string_view::npos)
            return "'[' without a closing ']'";
    }
    return std::nullopt;
}

bool glob_match(std::string_view glob, std::string_view path) {
    return match_components(split_nonempty(glob, '/'), split_nonempty(path, '/'));
}

}  // namespace cgw
