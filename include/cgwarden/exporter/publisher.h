// The exporter's MetricsSink: at the end of a control loop pass that a scrape
// waits for (snapshot_store.h), turns the pass's report into metric families
// (one builder per signal family) and publishes them as the snapshot scrapes
// serve; every pass counts its decisions.
#pragma once

#include <memory>

#include "cgwarden/daemon/metrics_sink.h"
#include "cgwarden/exporter/cgroup_identity.h"
#include "cgwarden/exporter/enforcer_families.h"
#include "cgwarden/exporter/options.h"
#include "cgwarden/exporter/self_families.h"
#include "cgwarden/exporter/snapshot_store.h"
#include "cgwarden/net/drop_reasons.h"

namespace cgw {

// The running kernel's drop reason names; none (UNKNOWN_<n>) on a kernel
// without BTF or enum skb_drop_reason, said once in the log.
DropReasonNames kernel_drop_reasons();

class MetricsPublisher : public MetricsSink {
  public:
    // `reasons` names the kernel's drop reasons; by default read from the
    // running kernel's BTF once, here, not on every pass.
    MetricsPublisher(ExporterOptions options, std::shared_ptr<SnapshotStore> store,
                     IdentifyCgroup identify = identify_by_path,
                     DropReasonNames reasons = kernel_drop_reasons());

    void publish(const TickReport &report) override;

    // One pass without publishing (tests, bench): counts its decisions and
    // returns its families.
    Families build(const TickReport &report);

  private:
    ExporterOptions options_;
    BuildInfo build_;
    std::shared_ptr<SnapshotStore> store_;
    IdentifyCgroup identify_;
    DropReasonNames reasons_;
    ActionTally tally_;
    ScopeCandidates scope_candidates_;
};

}  // namespace cgw
