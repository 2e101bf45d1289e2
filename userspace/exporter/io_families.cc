#include "cgwarden/exporter/io_families.h"

#include "cgwarden/exporter/latency_buckets.h"
#include "cgwarden/snapshot/io_report.h"

namespace cgw {

using prometheus::MetricType;

void add_io_families(const TickReport &report, const ExportScope &scope, Families &out) {
    FamilyBuilder latency("cgwarden_io_latency_seconds",
                          "Device latency of the cgroup's block requests: issue to completion "
                          "(BPF, block_rq_issue/complete), by device and op.",
                          MetricType::Histogram);
    FamilyBuilder queue("cgwarden_io_queue_seconds",
                        "Time the cgroup's block requests waited in the block layer before the "
                        "device got them: insert to last issue, by device and op.",
                        MetricType::Histogram);
    FamilyBuilder bytes("cgwarden_io_bytes_total",
                        "Bytes of the cgroup's completed block requests, by device and op.",
                        MetricType::Counter);
    FamilyBuilder ops("cgwarden_io_ops_total",
                      "Completed block requests charged to the cgroup (its blkcg), by device "
                      "and op; one request may carry several merged bios.",
                      MetricType::Counter);
    if (const auto *io_paths = report.model.paths().io; report.sample.io && io_paths) {
        for (const auto &[key, c] : report.sample.io->stats) {
            const ScopedCgroup *cg = scope.find(*io_paths, key.cgroup);
            if (!cg)
                continue;
            Labels labels = with(with(cg->labels, "device", key.device.to_string()), "op",
                                 std::string(io_op_name(key.op)));
            latency.add(labels, to_prometheus(c.device_hist, c.device_ns));
            queue.add(labels, to_prometheus(c.queue_hist, c.queue_ns));
            bytes.add(labels, static_cast<double>(c.bytes));
            ops.add(std::move(labels), static_cast<double>(c.ops));
        }
    }
    for (FamilyBuilder *f : {&latency, &queue, &bytes, &ops})
        out.push_back(std::move(*f).take());
}

}  // namespace cgw
