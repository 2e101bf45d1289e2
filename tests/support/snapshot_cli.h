// `cgwarden snapshot --json` run as a user would, and lookups in its output.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "command.h"

namespace cgw::test {

// Runs `cgwarden <args>` through the shell, collecting its standard output.
CommandResult run_cgwarden(const std::string &args);

// The entry of `path` in a snapshot's "cgroups"; throws when absent.
const nlohmann::json &cgroup_entry(const nlohmann::json &report, const std::string &path);

}  // namespace cgw::test
