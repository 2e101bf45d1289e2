// The exporter's MetricsSink: at the end of every control loop pass, turns
// the pass's report into metric families (one builder per signal family) and
// publishes them as the snapshot every scrape serves until the next pass.
#pragma once

#include <memory>

#include "cgwarden/daemon/metrics_sink.h"
#include "cgwarden/exporter/cgroup_identity.h"
#include "cgwarden/exporter/enforcer_families.h"
#include "cgwarden/exporter/options.h"
#include "cgwarden/exporter/self_families.h"
#include "cgwarden/exporter/snapshot_store.h"

namespace cgw {

class MetricsPublisher : public MetricsSink {
  public:
    MetricsPublisher(ExporterOptions options, std::shared_ptr<SnapshotStore> store,
                     IdentifyCgroup identify = identify_by_path);

    void publish(const TickReport &report) override;

    // One pass without publishing (tests, bench): counts its decisions and
    // returns its families.
    Families build(const TickReport &report);

  private:
    ExporterOptions options_;
    BuildInfo build_;
    std::shared_ptr<SnapshotStore> store_;
    IdentifyCgroup identify_;
    ActionTally tally_;
};

}  // namespace cgw
