// Reads the `classes` list of a policy file: name, priority, match rules,
// SLOs and knob bounds, each checked as it is read.
#pragma once

#include <vector>

#include "cgwarden/policy/policy.h"
#include "yaml_checker.h"

namespace cgw::policy_yaml {

// Every class but the default one must have match rules.
std::vector<ClassPolicy> read_classes(YamlChecker &check, const YAML::Node &classes,
                                      const std::optional<std::string> &default_class);

}  // namespace cgw::policy_yaml
