// What the enforcer did, one record per decision: kept in memory by the
// daemon (the most recent ones), served as JSON on the exporter's /decisions
// endpoint and shown by `cgwarden decisions`.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "cgwarden/control/controller.h"

namespace cgw {

struct DecisionRecord {
    uint64_t unix_time_ns = 0;
    Decision decision;
    bool applied = false;  // false in dry-run, or when the write failed
    std::string error;     // why the write failed
};

// Written by the control loop, read by the HTTP server's threads.
class DecisionHistory {
  public:
    static constexpr size_t kDefaultLimit = 1000;

    explicit DecisionHistory(Mode mode, size_t limit = kDefaultLimit)
        : mode_(mode), limit_(limit) {}

    void add(DecisionRecord record);

    // Oldest first.
    std::vector<DecisionRecord> records() const;
    // Every decision since start, including those no longer kept.
    uint64_t total() const;
    // The daemon's mode: whether the records were applied or only decided.
    Mode mode() const { return mode_; }

  private:
    const Mode mode_;
    const size_t limit_;
    mutable std::mutex mutex_;
    std::deque<DecisionRecord> records_;
    uint64_t total_ = 0;
};

}  // namespace cgw
