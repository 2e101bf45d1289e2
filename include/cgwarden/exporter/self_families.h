// Families about cgwarden itself: BPF cost, lost events, cgroups left
// without series, loop time, build.
#pragma once

#include <string>

#include "cgwarden/exporter/family_builder.h"
#include "cgwarden/exporter/scope.h"

namespace cgw {

struct BuildInfo {
    std::string version;
    std::string kernel;  // uname release
};

// `scope` tells how many cgroups were left without series.
void add_self_families(const TickReport &report, const BuildInfo &build, const ExportScope &scope,
                       Families &out);

}  // namespace cgw
