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
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cgwarden/daemon/metrics_sink.h"
#include "cgwarden/exporter/cgroup_identity.h"

namespace cgw {

using Labels = std::vector<prometheus::ClientMetric::Label>;

struct ScopedCgroup {
    std::string path;
    // 0 when the path is only in the IO or network hierarchy (hybrid nodes:
    // blkio and cgroup2 are hierarchies of their own).
    CpuCgroupId id;
    std::optional<size_t> class_index;  // into Policy::classes
    // cgroup, class, and what the path identifies (unit, pod_uid, container_id,
    // qos_class); empty values are left out.
    Labels labels;
};

// By path: the one identity shared by the cpu, IO and network hierarchies.
struct ExportScope {
    std::map<std::string, ScopedCgroup> by_path;
    // Protected or contended cgroups over the policy's series limits: no
    // series this pass (cgwarden_exporter_cgroups_left_out).
    size_t left_out = 0;

    // Null when the cgroup has no series this pass.
    const ScopedCgroup *find(const std::string &path) const;
    // The cgroup with this id in `paths` (one hierarchy's id -> path), or null.
    template <class Id>
    const ScopedCgroup *find(const std::map<Id, std::string> &paths, Id id) const {
        auto it = paths.find(id);
        return it == paths.end() ? nullptr : find(it->second);
    }
};

// Every cgroup of the node's hierarchies that could get series, worked out
// again only when a tree changed (CgroupPaths::generation) or the policy did:
// its cpu id and class by path, and the protected ones (a class with an SLO)
// in the order they get series when they did nothing (higher class first,
// then by path). So a pass costs the cgroups that did something, not the
// node's thousands of idle ones.
class ScopeCandidates {
  public:
    struct Cgroup {
        CpuCgroupId cpu_id;  // 0 when the path is not in the cpu hierarchy
        std::optional<size_t> class_index;
        int priority = 0;
        bool is_protected = false;
    };

    void update(const TickReport &report);
    // Null when the path is in no hierarchy; `key` gets the candidates' own
    // view of the path, valid until the next update().
    const Cgroup *find(std::string_view path, std::string_view *key = nullptr) const;
    const std::vector<std::string_view> &protected_order() const { return protected_order_; }

  private:
    uint64_t generation_ = UINT64_MAX;
    const Policy *policy_ = nullptr;
    const Classifier *classify_ = nullptr;
    // Keys view the paths of the trees, unchanged while their generation is.
    std::unordered_map<std::string_view, Cgroup> by_path_;
    std::vector<std::string_view> protected_order_;
};

// Every path in `acted_on` (cgroups cgwarden changed) that still exists, then
// within the policy's SeriesLimits: protected cgroups by class priority and
// contention, and the most contended of the others. Contention is the time the cgroup's work waited
// (run queue, CPU throttling, block IO queue and device), then its packets lost (drops,
// retransmits) to break ties; a cgroup in any of the hierarchies counts.
ExportScope select_scope(const TickReport &report, const IdentifyCgroup &identify,
                         const std::set<std::string> &acted_on, ScopeCandidates &candidates);

// labels plus one more, e.g. {cgroup=..., knob="cpu_weight"}.
Labels with(Labels labels, std::string name, std::string value);

}  // namespace cgw
