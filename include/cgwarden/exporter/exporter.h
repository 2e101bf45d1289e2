// The Prometheus exporter as one object for the daemon: the HTTP server, the
// snapshot it serves, and the sink the control loop publishes into.
//
//   auto exporter = Exporter::start(options);
//   daemon.set_metrics_sink(exporter->sink());
#pragma once

#include <memory>

#include "cgwarden/common/result.h"
#include "cgwarden/common/unique_fd.h"
#include "cgwarden/exporter/http_server.h"
#include "cgwarden/exporter/publisher.h"

namespace cgw {

class Exporter {
  public:
    static Result<std::unique_ptr<Exporter>> start(const ExporterOptions &options,
                                                   IdentifyCgroup identify = identify_by_path);

    std::shared_ptr<MetricsSink> sink() const { return publisher_; }
    int port() const { return server_->port(); }

  private:
    Exporter() = default;
    UniqueFd bpf_stats_;  // open while run-time stats are enabled
    std::shared_ptr<MetricsPublisher> publisher_;
    std::unique_ptr<HttpServer> server_;
};

}  // namespace cgw
