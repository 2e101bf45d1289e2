#include "cgwarden/exporter/family_builder.h"

namespace cgw {

FamilyBuilder::FamilyBuilder(std::string name, std::string help, prometheus::MetricType type) {
    family_.name = std::move(name);
    family_.help = std::move(help);
    family_.type = type;
}

void FamilyBuilder::add(Labels labels, double value) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    if (family_.type == prometheus::MetricType::Counter)
        m.counter.value = value;
    else
        m.gauge.value = value;
    family_.metric.push_back(std::move(m));
}

void FamilyBuilder::add(Labels labels, prometheus::ClientMetric::Histogram histogram) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    m.histogram = std::move(histogram);
    family_.metric.push_back(std::move(m));
}

}  // namespace cgw
