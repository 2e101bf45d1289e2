// The PromQL of dashboards/: every Grafana panel target and every alert rule,
// for the tests that lint them and run them against a real Prometheus.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cgw::test {

struct Query {
    std::string where;  // "cgwarden-node.json panel 3 (Top antagonists) A", "alert CgwardenDown"
    std::string expr;
};

// dashboards/ of the source tree (CGWARDEN_REPO_DIR in the VM).
std::filesystem::path dashboards_dir();

// Every dashboards/grafana/*.json, parsed, by file name.
std::vector<std::pair<std::string, nlohmann::json>> load_dashboards();

std::vector<Query> dashboard_queries();
std::vector<Query> alert_queries();

// The query with Grafana's variables replaced: $instance, multi-valued
// $cgroup (=~) and $flow by ".*" (All), a single $cgroup by `cgroup`,
// $__rate_interval by `rate_interval`.
std::string expand_variables(const std::string &expr, const std::string &cgroup,
                             const std::string &rate_interval);

}  // namespace cgw::test
