#include "promtool.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cgw::test {

CommandResult promtool_check_metrics(const std::string &scrape) {
    auto file = std::filesystem::temp_directory_path() /
                ("cgw-scrape-" + std::to_string(::getpid()) + ".prom");
    std::ofstream(file) << scrape;
    CommandResult check = run_command("promtool check metrics < " + file.string() + " 2>&1");
    std::filesystem::remove(file);
    return check;
}

}  // namespace cgw::test
