// Text helpers shared by the parsers of kernel files and the policy.
#pragma once

#include <string_view>
#include <vector>

namespace cgw {

// The non-empty parts of `text` between separators: "/a//b/" by '/' is
// {"a", "b"}. The views point into `text`.
std::vector<std::string_view> split_nonempty(std::string_view text, char sep);

}  // namespace cgw
