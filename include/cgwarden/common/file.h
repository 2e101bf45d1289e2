// Small, exact file helpers for cgroupfs and procfs.
#pragma once

#include <filesystem>
#include <string>

#include "cgwarden/common/result.h"

namespace cgw {

// Whole file as text; the error names the path.
Result<std::string> read_file(const std::filesystem::path &path);

// Writes text with a single write(2), as cgroupfs expects.
Status write_file(const std::filesystem::path &path, const std::string &text);

}  // namespace cgw
