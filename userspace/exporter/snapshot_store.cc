#include "cgwarden/exporter/snapshot_store.h"

namespace cgw {

void SnapshotStore::pass_ended(Clock::time_point at) {
    std::lock_guard lock(mutex_);
    last_pass_ = at;
}

bool SnapshotStore::wanted() const {
    std::lock_guard lock(mutex_);
    return wanted_;
}

void SnapshotStore::publish(std::shared_ptr<const MetricsSnapshot> snapshot) {
    {
        std::lock_guard lock(mutex_);
        latest_.swap(snapshot);
        ++published_count_;
        wanted_ = false;
    }
    published_.notify_all();
    // The previous snapshot is freed when `snapshot` goes out of scope, after
    // the lock is released (or later, by the last scrape still holding it).
}

std::shared_ptr<const MetricsSnapshot> SnapshotStore::next(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    wanted_ = true;
    const uint64_t before = published_count_;
    published_.wait_for(lock, wait, [&] { return published_count_ != before; });
    return latest_;
}

std::optional<SnapshotStore::Clock::time_point> SnapshotStore::last_pass() const {
    std::lock_guard lock(mutex_);
    return last_pass_;
}

}  // namespace cgw
