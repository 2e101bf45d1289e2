#include "io_snapshot.h"

#include <spdlog/spdlog.h>

#include "cgwarden/common/block_device_name.h"
#include "cgwarden/signals/io_signals.h"

namespace cgw::cli {

namespace {

constexpr int kPollMs = 100;

}  // namespace

IoSnapshot::IoSnapshot(const KernelFeatures &features, const CgroupLayout &layout,
                       const IoSensorOptions &options, std::optional<AttachMode> force)
    : attribution_(io_attribution(features)) {
    auto mount = io_cgroup_mount(layout, attribution_);
    if (!mount) {
        fail(Error{"no mounted cgroup hierarchy holds the blkio/io controller"});
        return;
    }
    io_tree_.emplace(*mount);
    auto sensor = IoSensor::open(features, options, force);
    if (!sensor) {
        fail(sensor.error().context("starting the IO sensor"));
        return;
    }
    sensor_ = std::move(sensor).value();
}

IoSnapshot::~IoSnapshot() = default;

void IoSnapshot::fail(const Error &error) {
    unavailable_ = error.message;
    spdlog::warn("IO is not measured, CPU is: {}", unavailable_);
    sensor_.reset();
}

void IoSnapshot::begin() {
    if (!sensor_)
        return;
    auto stream = sensor_->outliers([this](const IoOutlier &o) { outliers_.push_back(o); });
    if (!stream)
        return fail(stream.error().context("subscribing to IO outliers"));
    auto counters = sensor_->read();
    if (!counters)
        return fail(counters.error().context("first IO reading"));
    before_ = std::move(counters).value();
    poller_ = std::jthread([rb = std::move(stream).value()](std::stop_token stop) mutable {
        while (!stop.stop_requested()) {
            if (auto n = rb->poll(std::chrono::milliseconds(kPollMs)); !n) {
                spdlog::warn("{}", n.error().message);
                return;
            }
        }
        // What arrived after the last poll still counts.
        (void)rb->consume();
    });
}

void IoSnapshot::end() {
    if (!sensor_)
        return;
    auto counters = sensor_->read();
    poller_.request_stop();
    if (poller_.joinable())
        poller_.join();
    if (!counters)
        return fail(counters.error().context("last IO reading"));
    after_ = std::move(counters).value();
    io_tree_->refresh();  // for the cgroups made in the window
}

std::optional<IoSignals> IoSnapshot::signals() const {
    if (!sensor_ || !before_ || !after_)
        return std::nullopt;
    return compute_io_signals(*before_, *after_);
}

const IoCgroupTree *IoSnapshot::tree() const {
    return sensor_ && io_tree_ ? &*io_tree_ : nullptr;
}

void IoSnapshot::add_to(SnapshotReport &report, const PassModel &model,
                        const CpuCgroupTree &cpu_tree, const std::vector<std::string> &only) {
    // The model has IO signals exactly where signals() gave them.
    if (!sensor_ || !model.signals().io) {
        report.io_unavailable = unavailable_;
        return;
    }
    IoSummary summary;
    summary.attach_mode = sensor_->attach_mode();
    summary.attribution = attribution_;
    summary.hierarchy = io_tree_->mount().string();
    summary.outlier_threshold_s =
        static_cast<double>(sensor_->options().outlier_threshold_ns) / 1e9;
    add_io_report(report, std::move(summary), model, outliers_, *io_tree_, cpu_tree, only,
                  [](const std::string &maj_min) { return block_device_name(maj_min); });
}

}  // namespace cgw::cli
