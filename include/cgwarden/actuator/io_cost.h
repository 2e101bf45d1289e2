// io.cost on the disks a policy names (policy.h DiskIoCost), written to the
// cgroup v2 root's io.cost.model and io.cost.qos. Each device's line is
// journaled before its first write, like every knob, so restore_all (on
// exit, by `cgwarden restore`, at the start after a crash) puts the disk's
// own settings back.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "cgwarden/actuator/journal.h"
#include "cgwarden/common/result.h"
#include "cgwarden/policy/policy.h"

namespace cgw {

// "MAJ:MIN" of a whole disk named as a policy may: "vdb", "/dev/vdb" (or a
// link to it, as /dev/disk/by-id/...) or "254:16". A partition is refused:
// io.cost applies to a whole disk.
Result<std::string> block_device_number(const std::string &device,
                                        const std::filesystem::path &sys = "/sys");

// The write that puts a device's io.cost.model / io.cost.qos line back as
// `slice` shows it ("" when io.cost was never set up on the device). A line
// under ctrl=auto goes back as "ctrl=auto" without its values: the kernel
// takes any value written with it for a setting of the user's.
std::string io_cost_model_restore(std::string_view slice, const std::string &device);
std::string io_cost_qos_restore(std::string_view slice, const std::string &device);

// Sets `disk`'s model, then enables io.cost with its QoS, under the cgroup
// v2 root `unified`. Returns the device's "MAJ:MIN".
Result<std::string> set_io_cost(const DiskPolicy &disk, const std::filesystem::path &unified,
                                Journal &journal, const std::filesystem::path &sys = "/sys");

}  // namespace cgw
