#include "snapshot_cli.h"

#include <cstdio>
#include <stdexcept>

#include "test_cgroup.h"

namespace cgw::test {

CommandResult run_cgwarden(const std::string &args) {
    std::string cmd = cgwarden_path() + " " + args;
    FILE *out = ::popen(cmd.c_str(), "r");
    if (!out)
        throw std::runtime_error("cannot run " + cmd);
    CommandResult result;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, out))
        result.text.append(buf, n);
    result.status = ::pclose(out);
    return result;
}

const nlohmann::json &cgroup_entry(const nlohmann::json &report, const std::string &path) {
    for (const auto &c : report["cgroups"])
        if (c["path"] == path)
            return c;
    throw std::runtime_error("no cgroup " + path + " in " + report.dump());
}

}  // namespace cgw::test
