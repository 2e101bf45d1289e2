#include "cgwarden/policy/glob.h"

#include <fnmatch.h>

#include <span>

#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

// Backtracking over "**"; globs are short and have few "**", so this is cheap.
bool match_components(std::span<const std::string_view> glob,
                      std::span<const std::string_view> path) {
    if (glob.empty())
        return path.empty();
    if (glob.front() == "**") {
        for (size_t skip = 0; skip <= path.size(); ++skip)
            if (match_components(glob.subspan(1), path.subspan(skip)))
                return true;
        return false;
    }
    return !path.empty() &&
           ::fnmatch(std::string(glob.front()).c_str(), std::string(path.front()).c_str(), 0) ==
               0 &&
           match_components(glob.subspan(1), path.subspan(1));
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
