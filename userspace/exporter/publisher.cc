#include "cgwarden/exporter/publisher.h"

#include <sys/utsname.h>

#include <spdlog/spdlog.h>

#include "cgwarden/exporter/cpu_families.h"
#include "cgwarden/exporter/io_families.h"
#include "cgwarden/exporter/memory_families.h"
#include "cgwarden/exporter/net_families.h"

namespace cgw {

namespace {

std::string kernel_release() {
    utsname u{};
    return ::uname(&u) == 0 ? u.release : "unknown";
}

}  // namespace

DropReasonNames kernel_drop_reasons() {
    auto names = DropReasonNames::from_kernel();
    if (names)
        return std::move(names).value();
    spdlog::warn("exporter: drop reasons are shown as numbers: {}", names.error().message);
    return {};
}

MetricsPublisher::MetricsPublisher(ExporterOptions options, std::shared_ptr<SnapshotStore> store,
                                   IdentifyCgroup identify, DropReasonNames reasons)
    : options_(std::move(options)),
      build_{options_.version, kernel_release()},
      store_(std::move(store)),
      identify_(std::move(identify)),
      reasons_(std::move(reasons)) {}

Families MetricsPublisher::build(const TickReport &report) {
    tally_.count(report);
    ExportScope scope = select_scope(report, identify_, tally_.cgroups(), scope_candidates_);
    Families families;
    add_cpu_families(report, scope, options_, families);
    add_io_families(report, scope, families);
    add_memory_families(report, scope, families);
    add_net_families(report, scope, reasons_, families);
    add_enforcer_families(report, scope, tally_, families);
    add_self_families(report, build_, scope, families);
    return families;
}

void MetricsPublisher::publish(const TickReport &report) {
    store_->pass_ended(std::chrono::steady_clock::now());
    if (!store_->wanted()) {
        tally_.count(report);
        return;
    }
    auto snapshot = std::make_shared<MetricsSnapshot>();
    snapshot->families = build(report);
    store_->publish(std::move(snapshot));
}

}  // namespace cgw
