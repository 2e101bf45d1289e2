// Reads the `disks` list of a policy file: each disk cgwarden sets io.cost
// on, with the model and QoS checked key by key as the kernel would.
#pragma once

#include <vector>

#include "cgwarden/policy/policy.h"
#include "yaml_checker.h"

namespace cgw::policy_yaml {

std::vector<DiskPolicy> read_disks(YamlChecker &check, const YAML::Node &disks);

}  // namespace cgw::policy_yaml
