#include "cgwarden/exporter/exporter.h"

#include <spdlog/spdlog.h>

#include "cgwarden/bpf/stats.h"

namespace cgw {

Result<std::unique_ptr<Exporter>> Exporter::start(const ExporterOptions &options,
                                                  IdentifyCgroup identify) {
    std::unique_ptr<Exporter> exporter(new Exporter());
    if (options.enable_bpf_stats) {
        auto fd = enable_bpf_run_time_stats();
        if (!fd)
            return fd.error().context("starting the exporter");
        exporter->bpf_stats_ = std::move(fd).value();
    }
    auto store = std::make_shared<SnapshotStore>();
    exporter->publisher_ = std::make_shared<MetricsPublisher>(options, store, std::move(identify));
    auto server = HttpServer::start(options.listen, store, options.stale_after, options.scrape_wait,
                                    options.decisions);
    if (!server)
        return server.error();
    exporter->server_ = std::move(server).value();
    spdlog::info("metrics on http://{}/metrics (port {}; also /healthz, /readyz{})", options.listen,
                 exporter->port(), options.decisions ? ", /decisions" : "");
    return exporter;
}

}  // namespace cgw
