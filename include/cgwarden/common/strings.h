// Text helpers shared by the parsers of kernel files and the policy.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cgw {

// The non-empty parts of `text` between separators: "/a//b/" by '/' is
// {"a", "b"}. The views point into `text`.
std::vector<std::string_view> split_nonempty(std::string_view text, char sep);

// Cgroup paths relative to a hierarchy root: "/a" is "/a/b"'s ancestor (not
// "/ab"'s), the root "/" is every other path's; a path is not its own.
bool is_ancestor_path(std::string_view ancestor, std::string_view path);

// The value of the item "key=value" in a line of such items (io.max,
// io.cost.qos): "rbps" of "8:0 rbps=max wbps=5" is "max"; "" when absent.
std::string_view keyed_value(std::string_view line, std::string_view key);

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD:
// a cgroup name is any bytes but '/', and a Prometheus scrape or a JSON
// document must be UTF-8.
std::string valid_utf8(std::string_view text);

}  // namespace cgw
