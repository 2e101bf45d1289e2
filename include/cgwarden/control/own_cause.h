// Whether a victim's CPU trouble is its own doing, in words for the breach.
#pragma once

#include <string>

#include "cgwarden/control/controller.h"

namespace cgw {

// Its tasks waited longer throttled by its own CFS quota than behind other
// cgroups ("throttled by its own cpu.max ..."), or at least kOwnTasksShare
// of its run-queue delay was behind its own threads ("its own tasks ...");
// empty when neither: its neighbours are the cause.
std::string own_cpu_cause(const std::string &path, const CgroupInput &cg);

}  // namespace cgw
