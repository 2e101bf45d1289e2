// What the control loop hands its observers (the Prometheus exporter) at the
// end of every pass. Everything is by reference and valid only during the
// call: a sink copies what it keeps and must return quickly, because it runs
// on the loop's thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "cgwarden/control/controller.h"
#include "cgwarden/control/input.h"
#include "cgwarden/model/pass_model.h"
#include "cgwarden/sensor/sample.h"

namespace cgw {

struct DecisionRecord;

struct TickReport {
    const Sample &sample;    // cumulative counters
    const PassModel &model;  // the last interval by path; empty on the first pass
    const Policy &policy;
    const Classifier &classify;
    const ControllerInput &input;    // knob values read this pass
    const ControllerOutput &output;  // breaches, and the state with every knob's original
    const std::vector<DecisionRecord> &decisions;  // made this pass
    const std::vector<ProgramStats> &programs;     // BPF run counts and time
    CgroupMode cgroup_mode = CgroupMode::V2;
    AttachMode attach_mode = AttachMode::TpBtf;
    Duration loop_duration{};  // this pass, from sampling to the last decision
    // Notable events drained from the sensors' ring buffers since start, by
    // sensor ("io", "net").
    std::map<std::string, uint64_t> ringbuf_events{};
    // Failed reads of an optional sensor since start, by sensor ("io",
    // "net"); each cost that sensor's signals one pass.
    std::map<std::string, uint64_t> sensor_read_errors{};
};

class MetricsSink {
  public:
    virtual ~MetricsSink() = default;
    virtual void publish(const TickReport &report) = 0;
};

}  // namespace cgw
