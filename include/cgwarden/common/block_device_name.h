// Kernel names of block devices ("vda", "nvme0n1") from sysfs.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace cgw {

// "254:16": a block device's number as cgroup files name it.
bool is_device_number(std::string_view text);

// DEVNAME= of a uevent file; empty when absent.
std::string parse_uevent_devname(std::string_view uevent);

// The name of device MAJ:MIN from <sysfs>/dev/block/MAJ:MIN/uevent; empty
// when the device is gone.
std::string block_device_name(const std::string &maj_min,
                              const std::filesystem::path &sysfs = "/sys");

}  // namespace cgw
