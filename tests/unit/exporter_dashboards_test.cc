// Lints dashboards/: the Grafana JSON is well formed, every panel queries
// through the datasource variable, and every metric a dashboard or an alert
// names is one the exporter makes.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <regex>
#include <set>
#include <sstream>

#include "cgwarden/exporter/publisher.h"
#include "dashboard_queries.h"
#include "fake_pass.h"
#include "promtool.h"

namespace cgw {
namespace {

// Names a scrape can hold: families, and a histogram's _bucket, _sum, _count.
std::set<std::string> exported_names() {
    test::FakePass pass;
    std::set<std::string> names;
    for (const auto &family : test::publisher().build(pass.report())) {
        names.insert(family.name);
        if (family.type == prometheus::MetricType::Histogram) {
            for (const char *suffix : {"_bucket", "_sum", "_count"})
                names.insert(family.name + suffix);
        }
    }
    return names;
}

std::set<std::string> cgwarden_names_in(const std::string &expr) {
    static const std::regex kName("cgwarden_[a-z0-9_]+");
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kName);
         it != std::sregex_iterator(); ++it)
        out.insert(it->str());
    return out;
}

TEST(ExporterDashboards, FiveDashboardsWithTheirVariables) {
    auto dashboards = test::load_dashboards();
    ASSERT_EQ(dashboards.size(), 5u);
    std::set<std::string> uids;
    for (const auto &[file, d] : dashboards) {
        EXPECT_TRUE(uids.insert(d.at("uid").get<std::string>()).second) << file;
        std::set<std::string> variables;
        for (const auto &v : d.at("templating").at("list"))
            variables.insert(v.at("name").get<std::string>());
        EXPECT_TRUE(variables.count("datasource")) << file;
        EXPECT_TRUE(variables.count("instance")) << file;
        for (const auto &v : d.at("templating").at("list")) {
            if (v.at("type") == "query") {
                EXPECT_EQ(v.at("datasource").at("uid"), "${datasource}") << file;
            }
        }
    }
}

TEST(ExporterDashboards, PanelsHaveUniqueIdsAndUseTheDatasourceVariable) {
    for (const auto &[file, d] : test::load_dashboards()) {
        std::set<int> ids;
        for (const auto &panel : d.at("panels")) {
            int id = panel.at("id").get<int>();
            EXPECT_TRUE(ids.insert(id).second) << file << ": panel id " << id << " twice";
            EXPECT_EQ(panel.at("datasource").at("uid"), "${datasource}") << file << " panel " << id;
            ASSERT_FALSE(panel.at("targets").empty()) << file << " panel " << id;
            for (const auto &target : panel.at("targets"))
                EXPECT_EQ(target.at("datasource").at("uid"), "${datasource}")
                    << file << " panel " << id;
        }
    }
}

TEST(ExporterDashboards, EveryMetricNamedIsExported) {
    std::set<std::string> exported = exported_names();
    auto queries = test::dashboard_queries();
    auto alerts = test::alert_queries();
    ASSERT_GE(queries.size(), 40u);
    ASSERT_EQ(alerts.size(), 8u);
    queries.insert(queries.end(), alerts.begin(), alerts.end());
    for (const auto &[file, d] : test::load_dashboards()) {
        for (const auto &v : d.at("templating").at("list")) {
            if (v.contains("definition"))
                queries.push_back({file + " variable " + v.at("name").get<std::string>(),
                                   v.at("definition").get<std::string>()});
        }
    }
    for (const test::Query &q : queries) {
        std::set<std::string> names = cgwarden_names_in(q.expr);
        // Prometheus' own series of the scrape (up, scrape_*) are selected by the job.
        EXPECT_FALSE(names.empty() && q.expr.find("job=\"cgwarden\"") == std::string::npos)
            << q.where << " queries nothing of cgwarden's: " << q.expr;
        for (const std::string &name : names)
            EXPECT_TRUE(exported.count(name)) << q.where << " names " << name << ", not exported";
    }
}

TEST(ExporterRules, PromtoolChecksAndTestsTheAlertRules) {
    std::string dir = test::dashboards_dir().string();
    test::CommandResult check =
        test::run_command("promtool check rules " + dir + "/alerts.yml 2>&1");
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_NE(check.output.find("SUCCESS: 8 rules found"), std::string::npos) << check.output;
    test::CommandResult unit =
        test::run_command("cd " + dir + " && promtool test rules alerts_test.yml 2>&1");
    EXPECT_EQ(unit.status, 0) << unit.output;
}

}  // namespace
}  // namespace cgw
