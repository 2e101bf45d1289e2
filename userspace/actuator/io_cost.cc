#include "cgwarden/actuator/io_cost.h"

#include <fmt/format.h>

#include "cgroup_file.h"
#include "cgwarden/actuator/knob_codec.h"
#include "cgwarden/common/block_device_name.h"
#include "cgwarden/common/file.h"
#include "cgwarden/common/strings.h"

namespace cgw {

namespace {

bool under_user_control(std::string_view slice) {
    return slice.find(" ctrl=user") != std::string_view::npos;
}

// Writes `text` for the device into `file` (its line only), journaling the
// line's original first; `restore` turns that original into its write.
Status set_line(const std::filesystem::path &file, const std::string &device,
                const std::string &text, Journal &journal,
                std::string (*restore)(std::string_view, const std::string &)) {
    auto content = read_file(file);
    if (!content)
        return content.error();
    JournalKey key{file.string(), device};
    if (!journal.find(key))
        if (auto s = journal.record_original(
                key, restore(file_slice(*content, SliceOf::DeviceLine, device), device));
            !s)
            return s;
    if (auto s = actuator::write_cgroup_file(file, device + " " + text); !s)
        return s;
    auto after = read_file(file);
    if (!after)
        return after.error();
    return journal.record_written(key, file_slice(*after, SliceOf::DeviceLine, device));
}

}  // namespace

Result<std::string> block_device_number(const std::string &device,
                                        const std::filesystem::path &sys) {
    std::filesystem::path dir;
    if (is_device_number(device)) {
        dir = sys / "dev/block" / device;
    } else if (device.starts_with("/dev/")) {
        // /dev/disk/by-id/... names survive reboots: follow the link.
        std::error_code ec;
        auto node = std::filesystem::canonical(device, ec);
        dir = sys / "class/block" / (ec ? std::filesystem::path(device) : node).filename();
    } else {
        dir = sys / "class/block" / device;
    }
    auto number = read_file(dir / "dev");
    if (!number)
        return number.error().context(fmt::format("no block device '{}' on this node", device));
    std::error_code ec;
    if (std::filesystem::exists(dir / "partition", ec))
        return Error{fmt::format(
            "'{}' is a partition: io.cost applies to a whole disk; name the disk it is on",
            device)};
    return file_slice(*number, SliceOf::Whole, "");
}

std::string io_cost_model_restore(std::string_view slice, const std::string &device) {
    return under_user_control(slice) ? std::string(slice) : device + " ctrl=auto";
}

std::string io_cost_qos_restore(std::string_view slice, const std::string &device) {
    if (under_user_control(slice))
        return std::string(slice);
    std::string_view enable = keyed_value(slice, "enable");
    return fmt::format("{} enable={} ctrl=auto", device, enable.empty() ? "0" : enable);
}

Result<std::string> set_io_cost(const DiskPolicy &disk, const std::filesystem::path &unified,
                                Journal &journal, const std::filesystem::path &sys) {
    auto device = block_device_number(disk.device, sys);
    if (!device)
        return device.error();
    std::filesystem::path model = unified / "io.cost.model", qos = unified / "io.cost.qos";
    std::error_code ec;
    if (!std::filesystem::exists(qos, ec))
        return Error{fmt::format(
            "{} does not exist: this kernel has no io.cost (CONFIG_BLK_CGROUP_IOCOST), or the "
            "node binds the io controller to cgroup v1 (blkio)",
            qos.string())};
    for (const auto &file : {model, qos})
        if (JournalKey key{file.string(), *device}; journal.held(key))
            return held_error(key);
    if (auto s = set_line(model, *device, "ctrl=user model=linear " + disk.io_cost.model, journal,
                          io_cost_model_restore);
        !s)
        return s.error();
    if (auto s = set_line(qos, *device, "enable=1 ctrl=user " + disk.io_cost.qos, journal,
                          io_cost_qos_restore);
        !s)
        return s.error();
    return device;
}

}  // namespace cgw
