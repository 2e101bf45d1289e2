// Prometheus' own tools for root tests. The qemu VM image does not carry
// them (prometheus and promtool are ~50 MB Go binaries each), so tests that
// need them run on the host and skip in the VM, saying so.
#pragma once

#include <string>

#include "command.h"

namespace cgw::test {

// Why the Prometheus tools cannot run here, or empty when they can. On the
// host a missing tool is a setup error the test reports as a failure.
std::string prometheus_tools_unavailable();

// `promtool check metrics` on a scrape's text: status 0 and no output when
// the text parses and passes the lint.
CommandResult promtool_check_metrics(const std::string &scrape);

}  // namespace cgw::test
