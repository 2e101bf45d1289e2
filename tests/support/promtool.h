// Prometheus' own tools for the exporter tests. The host (scripts/setup.sh)
// and the qemu VM image (scripts/vm/initramfs.sh) both carry them: a missing
// tool fails the test.
#pragma once

#include <string>

#include "command.h"

namespace cgw::test {

// `promtool check metrics` on a scrape's text: status 0 and no output when
// the text parses and passes the lint.
CommandResult promtool_check_metrics(const std::string &scrape);

}  // namespace cgw::test
