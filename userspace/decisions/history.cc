#include "cgwarden/decisions/history.h"

namespace cgw {

void DecisionHistory::add(DecisionRecord record) {
    std::lock_guard lock(mutex_);
    records_.push_back(std::move(record));
    ++total_;
    while (records_.size() > limit_)
        records_.pop_front();
}

std::vector<DecisionRecord> DecisionHistory::records() const {
    std::lock_guard lock(mutex_);
    return {records_.begin(), records_.end()};
}

uint64_t DecisionHistory::total() const {
    std::lock_guard lock(mutex_);
    return total_;
}

}  // namespace cgw
