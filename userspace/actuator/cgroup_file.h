// Reads and writes of cgroup knob files, with errors that say what the
// kernel's errno means for a cgroup file. Shared by KnobIo and restore.
#pragma once

#include <filesystem>
#include <string>

#include "cgwarden/common/result.h"

namespace cgw::actuator {

// Writes `text` with one write(2), as cgroupfs expects.
Status write_cgroup_file(const std::filesystem::path &path, const std::string &text);

}  // namespace cgw::actuator
