// Families about cgwarden itself: BPF cost, lost events, loop time, build.
#pragma once

#include <string>

#include "cgwarden/exporter/family_builder.h"

namespace cgw {

struct BuildInfo {
    std::string version;
    std::string kernel;  // uname release
};

void add_self_families(const TickReport &report, const BuildInfo &build, Families &out);

}  // namespace cgw
