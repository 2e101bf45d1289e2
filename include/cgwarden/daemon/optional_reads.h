// Reads of the optional sensors (IO, network): a failed one costs that
// sensor's signals for the pass, never the pass, so CPU protection goes on.
// Each failure is counted (cgwarden_sensor_read_errors_total); the log says
// once that a sensor started failing and once that it reads again, not
// every second in between.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "cgwarden/common/result.h"

namespace cgw {

class OptionalReads {
  public:
    // The sensor's counters, or nothing when `read` failed.
    template <class Counters>
    std::optional<Counters> take(const std::string &sensor, Result<Counters> read) {
        if (read) {
            recovered(sensor);
            return std::move(read).value();
        }
        failed(sensor, read.error());
        return std::nullopt;
    }

    // Failed reads since start, by sensor.
    const std::map<std::string, uint64_t> &errors() const { return errors_; }

  private:
    void recovered(const std::string &sensor);
    void failed(const std::string &sensor, const Error &error);

    std::map<std::string, uint64_t> errors_;
    std::set<std::string> failing_;  // sensors whose last read failed
};

}  // namespace cgw
