// Reading a policy file (YAML; the schema is documented in deploy/cgwarden.yaml)
// A file is accepted whole or not at all: every
// error is collected and returned together, so nothing half-valid is applied.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "cgwarden/common/result.h"
#include "cgwarden/policy/policy.h"

namespace cgw {

// On failure the error message holds one line per problem, each
// "FILE:LINE:COLUMN: KEY.PATH: what was expected, got what":
//   cgwarden.yaml:14:7: classes[1].slo.cpu_delay_p99: expected a duration like 5ms or 1.5s, got
//   'fast'
Result<Policy> parse_policy(std::string_view text, const std::string &filename);

// Reads and parses the file; the file name in messages is the path as given.
Result<Policy> load_policy(const std::filesystem::path &path);

}  // namespace cgw
