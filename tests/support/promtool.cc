#include "promtool.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

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

CommandResult promtool_check_metrics(const std::string &scrape) {
    auto file = std::filesystem::temp_directory_path() /
                ("cgw-scrape-" + std::to_string(::getpid()) + ".prom");
    std::ofstream(file) << scrape;
    CommandResult check = run_command("promtool check metrics < " + file.string() + " 2>&1");
    std::filesystem::remove(file);
    return check;
}

}  // namespace cgw::test
