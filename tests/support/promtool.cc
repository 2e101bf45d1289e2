#include "promtool.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

namespace cgw::test {

std::string prometheus_tools_unavailable() {
    bool present = std::system(
                       "command -v promtool >/dev/null && command -v prometheus "
                       ">/dev/null") == 0;
    if (!present && std::getenv("CGWARDEN_VM"))
        return "prometheus and promtool (~50 MB Go binaries each) are not in the VM image; "
               "this test runs on the host";
    return {};
}

CommandResult run_command(const std::string &command_line) {
    CommandResult result;
    FILE *pipe = ::popen((command_line + " 2>&1").c_str(), "r");
    if (!pipe)
        return result;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
        result.output.append(buf, n);
    int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace cgw::test
