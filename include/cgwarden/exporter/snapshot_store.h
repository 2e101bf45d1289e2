// The hand-over between the control loop and HTTP scrapes. Building a pass's
// metric families costs as much as a tenth of the pass on a node of thousands
// of cgroups, and a scrape comes every 15 s or more while a pass comes every
// second: so the loop builds a snapshot only for a scrape that waits for one
// (and for the first pass). A scrape asks for the next pass's snapshot, waits
// at most a bounded time for it, and serializes whatever is latest without
// holding the lock: a slow scraper never stalls the loop, and a scrape never
// triggers kernel work.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "cgwarden/exporter/family_builder.h"

namespace cgw {

struct MetricsSnapshot {
    Families families;
};

class SnapshotStore {
  public:
    using Clock = std::chrono::steady_clock;

    // The loop: every pass ends with pass_ended(), and publishes a snapshot
    // when wanted() (a scrape waits, or none was published yet).
    void pass_ended(Clock::time_point at);
    bool wanted() const;
    void publish(std::shared_ptr<const MetricsSnapshot> snapshot);

    // Scrapes: the snapshot of the next pass that publishes one, or after
    // `wait` without one, the latest (null until the first).
    std::shared_ptr<const MetricsSnapshot> next(std::chrono::milliseconds wait);
    // Health: the end of the loop's last pass, if any.
    std::optional<Clock::time_point> last_pass() const;

  private:
    mutable std::mutex mutex_;
    std::condition_variable published_;
    std::shared_ptr<const MetricsSnapshot> latest_;
    uint64_t published_count_ = 0;
    bool wanted_ = true;
    std::optional<Clock::time_point> last_pass_;
};

}  // namespace cgw
