// Which cgroups get per-cgroup series this pass, and their labels. Bounds the
// exporter's cardinality; a cgroup that is gone or falls out of the selection
// simply has no series in the next scrape.
#pragma once

#include <prometheus/client_metric.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cgwarden/daemon/metrics_sink.h"
#include "cgwarden/exporter/cgroup_identity.h"
#include "cgwarden/exporter/options.h"

namespace cgw {

using Labels = std::vector<prometheus::ClientMetric::Label>;

struct ScopedCgroup {
    uint64_t id = 0;
    std::string path;
    std::optional<size_t> class_index;  // into Policy::classes
    // cgroup, class, and what the path identifies (unit, pod_uid, container_id,
    // qos_class); empty values are left out.
    Labels labels;
};

struct ExportScope {
    std::map<uint64_t, ScopedCgroup> by_id;
    std::map<std::string, uint64_t> id_by_path;
};

// A class is protected when it has a service level to keep.
bool is_protected(const ClassPolicy &cls);

// The top_cgroups most contended cgroups of the last interval, every
// protected one, and every path in `acted_on` (cgroups cgwarden changed) that
// still exists.
ExportScope select_scope(const TickReport &report, const ExporterOptions &options,
                         const IdentifyCgroup &identify, const std::set<std::string> &acted_on);

// labels plus one more, e.g. {cgroup=..., knob="cpu_weight"}.
Labels with(Labels labels, std::string name, std::string value);

}  // namespace cgw
