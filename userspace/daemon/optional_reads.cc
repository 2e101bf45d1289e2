#include "cgwarden/daemon/optional_reads.h"

namespace cgw {

void OptionalReads::recovered(const std::string &sensor) {
    if (failing_.erase(sensor))
        spdlog::info("{} sensor: read again ({} failed read(s) since start)", sensor,
                     errors_[sensor]);
}

void OptionalReads::failed(const std::string &sensor, const Error &error) {
    ++errors_[sensor];
    if (failing_.insert(sensor).second)
        spdlog::error(
            "{} sensor: reading it failed; its signals are left out until it reads again "
            "(cgwarden_sensor_read_errors_total counts each failed pass): {}",
            sensor, error.message);
}

}  // namespace cgw
