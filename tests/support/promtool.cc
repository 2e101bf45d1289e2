#include "promtool.h"

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

}  // namespace cgw::test
