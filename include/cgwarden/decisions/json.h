// The decision history as JSON: what the exporter's /decisions endpoint
// serves and `cgwarden decisions --json` prints. Tools outside the project
// may read it, so names only ever get added:
//
//   {"mode": "enforce", "total": 12, "decisions": [          (oldest first)
//     {"time": "2026-11-25T14:02:03.123Z", "unix_time_ns": ...,
//      "cgroup": "/batch/hog", "knob": "cpu_weight", "device": "",
//      "old": 100, "new": 70,              (an unlimited value is "max")
//      "direction": "down", "rule": "slo-breach", "applied": true, "error": "",
//      "evidence": {"victim": "/critical/web", "slo": "cpu_delay_p99",
//                   "observed": 0.0041, "target": 0.0002, "device": "", "flow": "",
//                   "antagonist_weight": 0.9, "antagonist_share": 0.93}}]}
//
// "evidence" is null for steps up (recovered, headroom).
#pragma once

#include <string>
#include <vector>

#include "cgwarden/common/result.h"
#include "cgwarden/decisions/history.h"

namespace cgw {

struct DecisionDocument {
    Mode mode = Mode::Enforce;
    uint64_t total = 0;
    std::vector<DecisionRecord> decisions;
};

std::string to_json(const DecisionDocument &document);
DecisionDocument document_of(const DecisionHistory &history);

// The last `last` decisions that concern one of `cgroups` (as the cgroup
// moved or as the victim it was moved for; a path covers its descendants);
// all cgroups when the list is empty. `total` is kept.
DecisionDocument select_decisions(DecisionDocument document,
                                  const std::vector<std::string> &cgroups, size_t last);

// Errors name the record and field that does not fit.
Result<DecisionDocument> parse_decision_document(const std::string &text);

}  // namespace cgw
