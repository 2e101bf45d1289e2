#include "schedstat.h"

#include <filesystem>
#include <fstream>
#include <string>

namespace cgw::test {

uint64_t run_delay_ns(const std::vector<pid_t> &pids) {
    uint64_t total = 0;
    for (pid_t pid : pids) {
        std::error_code ec;
        auto tasks = std::filesystem::path("/proc") / std::to_string(pid) / "task";
        for (const auto &task : std::filesystem::directory_iterator(tasks, ec)) {
            std::ifstream in(task.path() / "schedstat");
            uint64_t on_cpu = 0;
            uint64_t waited = 0;
            if (in >> on_cpu >> waited)
                total += waited;
        }
    }
    return total;
}

}  // namespace cgw::test
