// Enforcement families: SLO breaches, knob values against their originals,
// actions taken, failed cgroup writes.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "cgwarden/exporter/family_builder.h"

namespace cgw {

// Counts of decisions and failed writes since start, kept across passes.
class ActionTally {
  public:
    // Adds this pass's decisions; forgets cgroups that no longer exist, so
    // their series disappear.
    void count(const TickReport &report);

    // Cgroups with any action counted: they stay in the export scope.
    std::set<std::string> cgroups() const;

    // (cgroup, knob, direction, rule) -> decisions
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    const std::map<Key, uint64_t> &actions() const { return actions_; }
    uint64_t write_errors() const { return write_errors_; }

  private:
    std::map<Key, uint64_t> actions_;
    uint64_t write_errors_ = 0;
};

void add_enforcer_families(const TickReport &report, const ExportScope &scope,
                           const ActionTally &tally, Families &out);

}  // namespace cgw
