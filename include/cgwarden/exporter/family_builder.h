// Assembles one Prometheus metric family, sample by sample.
#pragma once

#include <prometheus/metric_family.h>

#include <string>

#include "cgwarden/exporter/scope.h"

namespace cgw {

class FamilyBuilder {
  public:
    FamilyBuilder(std::string name, std::string help, prometheus::MetricType type);

    // A counter's or a gauge's value, by the family's type.
    void add(Labels labels, double value);
    void add(Labels labels, prometheus::ClientMetric::Histogram histogram);

    prometheus::MetricFamily take() && { return std::move(family_); }

  private:
    prometheus::MetricFamily family_;
};

using Families = std::vector<prometheus::MetricFamily>;

}  // namespace cgw
