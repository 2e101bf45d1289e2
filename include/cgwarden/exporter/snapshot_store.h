// The hand-over between the control loop and HTTP scrapes: the loop swaps in
// an immutable snapshot once per pass; a scrape takes a reference to the
// latest one and serializes it without holding the lock, so a slow scraper
// never stalls the loop and a scrape never triggers kernel work.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

#include "cgwarden/exporter/family_builder.h"

namespace cgw {

struct MetricsSnapshot {
    Families families;
    std::chrono::steady_clock::time_point taken;  // end of the pass it describes
};

class SnapshotStore {
  public:
    void publish(std::shared_ptr<const MetricsSnapshot> snapshot);
    // Null until the loop's first pass.
    std::shared_ptr<const MetricsSnapshot> latest() const;

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const MetricsSnapshot> latest_;
};

}  // namespace cgw
