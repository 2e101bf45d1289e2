#include "dashboard_queries.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace cgw::test {

namespace {

void replace_all(std::string &text, const std::string &from, const std::string &to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

}  // namespace

std::filesystem::path dashboards_dir() {
    const char *repo = std::getenv("CGWARDEN_REPO_DIR");
    return std::filesystem::path(repo ? repo : CGW_SOURCE_DIR) / "dashboards";
}

std::vector<std::pair<std::string, nlohmann::json>> load_dashboards() {
    std::vector<std::pair<std::string, nlohmann::json>> out;
    for (const auto &entry : std::filesystem::directory_iterator(dashboards_dir() / "grafana")) {
        if (entry.path().extension() != ".json")
            continue;
        std::ifstream in(entry.path());
        out.emplace_back(entry.path().filename().string(), nlohmann::json::parse(in));
    }
    std::sort(out.begin(), out.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    return out;
}

std::vector<Query> dashboard_queries() {
    std::vector<Query> out;
    for (const auto &[file, dashboard] : load_dashboards()) {
        for (const auto &panel : dashboard.at("panels")) {
            for (const auto &target : panel.at("targets")) {
                out.push_back({file + " panel " + std::to_string(panel.at("id").get<int>()) + " (" +
                                   panel.at("title").get<std::string>() + ") " +
                                   target.at("refId").get<std::string>(),
                               target.at("expr").get<std::string>()});
            }
        }
    }
    return out;
}

std::vector<Query> alert_queries() {
    std::vector<Query> out;
    YAML::Node rules = YAML::LoadFile((dashboards_dir() / "alerts.yml").string());
    for (const auto &group : rules["groups"]) {
        for (const auto &rule : group["rules"])
            out.push_back(
                {"alert " + rule["alert"].as<std::string>(), rule["expr"].as<std::string>()});
    }
    return out;
}

std::string expand_variables(const std::string &expr, const std::string &cgroup,
                             const std::string &rate_interval) {
    std::string out = expr;
    replace_all(out, "$__rate_interval", rate_interval);
    replace_all(out, "$instance", ".*");
    replace_all(out, "=~\"$cgroup\"", "=~\".*\"");
    replace_all(out, "=~\"$flow\"", "=~\".*\"");
    replace_all(out, "$cgroup", cgroup);
    return out;
}

}  // namespace cgw::test
