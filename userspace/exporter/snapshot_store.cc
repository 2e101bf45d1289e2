#include "cgwarden/exporter/snapshot_store.h"

namespace cgw {

void SnapshotStore::publish(std::shared_ptr<const MetricsSnapshot> snapshot) {
    std::lock_guard lock(mutex_);
    latest_.swap(snapshot);
    // The previous snapshot is freed when `snapshot` goes out of scope, after
    // the lock is released (or later, by the last scrape still holding it).
}

std::shared_ptr<const MetricsSnapshot> SnapshotStore::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

}  // namespace cgw
