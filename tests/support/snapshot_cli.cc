#include "snapshot_cli.h"

#include <cstdio>
#include <stdexcept>

#include "test_cgroup.h"

namespace cgw::test {

CommandResult run_cgwarden(const std::string &args) {
    return run_command(cgwarden_path() + " " + args);
}

const nlohmann::json &cgroup_entry(const nlohmann::json &report, const std::string &path) {
    for (const auto &c : report["cgroups"])
        if (c["path"] == path)
            return c;
    throw std::runtime_error("no cgroup " + path + " in " + report.dump());
}

}  // namespace cgw::test
