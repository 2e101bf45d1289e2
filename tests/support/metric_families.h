// Reading what the exporter built: a family by name, a series' label, the
// cgroups a family has series for, the Prometheus text of a scrape.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cgw::test {

inline const prometheus::MetricFamily &family(const std::vector<prometheus::MetricFamily> &families,
                                              const std::string &name) {
    for (const auto &f : families) {
        if (f.name == name)
            return f;
    }
    throw std::runtime_error("no family " + name);
}

inline std::string label(const prometheus::ClientMetric &m, const std::string &name) {
    for (const auto &l : m.label) {
        if (l.name == name)
            return l.value;
    }
    return {};
}

inline std::set<std::string> cgroups_of(const prometheus::MetricFamily &f) {
    std::set<std::string> out;
    for (const auto &m : f.metric)
        out.insert(label(m, "cgroup"));
    return out;
}

inline std::string text_of(const std::vector<prometheus::MetricFamily> &families) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return out.str();
}

}  // namespace cgw::test
