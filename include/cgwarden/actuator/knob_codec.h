// How a policy knob maps onto cgroup files, on cgroup v2 and v1: which files,
// in which order, and the translation between the knob's policy unit
// (policy.h) and the files' text. Pure: no file is touched here.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cgwarden/cgroup/layout.h"
#include "cgwarden/common/result.h"
#include "cgwarden/policy/policy.h"

namespace cgw {

// Which part of a file is the knob's: what is read, compared, journaled and
// restored. Other lines of the file belong to others and are never written.
enum class SliceOf {
    Whole,        // the whole content: "50000 100000"
    DeviceLine,   // the line "MAJ:MIN ..." of our device, "" when it has none
    DefaultLine,  // the line "default N" (v2 io.weight)
};

struct KnobFile {
    std::string name;  // "cpu.max", "blkio.throttle.read_bps_device"
    SliceOf slice = SliceOf::Whole;
};

struct KnobCodec {
    std::string controller;       // the hierarchy that holds the files: "cpu", "blkio", "io"
    std::vector<KnobFile> files;  // in write order, which restore keeps (v1: period before quota)
    bool needs_device = false;    // io_max: which device to limit; v1 io_weight: BFQ check

    // What to write to each file for `value`, given each file's current slice
    // (see file_slice) and what it held before (before a write of another
    // file of the knob changed it, else before cgwarden first changed it):
    // cpu.max keeps its period, cpu_idle puts back the weight the kernel
    // overrode. A file whose text equals its current slice is not written.
    std::function<Result<std::vector<std::string>>(
        double value, const std::vector<std::string> &current,
        const std::vector<std::string> &before, const std::string &device)>
        encode;
    // The knob's value in policy units from the files' slices.
    std::function<Result<double>(const std::vector<std::string> &slices)> decode;
    // The write that puts a file back the way `slice` shows it. For a device
    // that had no line, the write that removes our rule.
    std::function<std::string(const std::string &slice, const std::string &device)> restore_text;
};

// The codec for `knob` where the layout mounts its controller: the v1 files
// when the v1 controller is mounted (hybrid nodes), else cgroup v2's.
Result<KnobCodec> knob_codec(const CgroupLayout &layout, Knob knob);

// The knob's part of a file's content, without the trailing newline.
std::string file_slice(std::string_view content, SliceOf slice, std::string_view device);

}  // namespace cgw
