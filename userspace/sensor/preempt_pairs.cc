#include "cgwarden/sensor/preempt_pairs.h"

#include <algorithm>

namespace cgw {

namespace {

bool pair_less(const PreemptPairs::value_type &entry, const PreemptPair &pair) {
    return entry.first < pair;
}

}  // namespace

PreemptPairs::PreemptPairs(std::vector<value_type> pairs) : pairs_(std::move(pairs)) {
    std::ranges::sort(pairs_, {}, &value_type::first);
}

PreemptCounters &PreemptPairs::operator[](const PreemptPair &pair) {
    auto at = std::lower_bound(pairs_.begin(), pairs_.end(), pair, pair_less);
    if (at == pairs_.end() || at->first != pair)
        at = pairs_.insert(at, {pair, PreemptCounters{}});
    return at->second;
}

const PreemptCounters *PreemptPairs::find(const PreemptPair &pair) const {
    auto at = std::lower_bound(pairs_.begin(), pairs_.end(), pair, pair_less);
    return at != pairs_.end() && at->first == pair ? &at->second : nullptr;
}

}  // namespace cgw
