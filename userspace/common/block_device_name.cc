#include "cgwarden/common/block_device_name.h"

#include "cgwarden/common/file.h"

namespace cgw {

bool is_device_number(std::string_view text) {
    size_t colon = text.find(':');
    auto digits = [](std::string_view s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
    };
    return colon != std::string_view::npos && digits(text.substr(0, colon)) &&
           digits(text.substr(colon + 1));
}

std::string parse_uevent_devname(std::string_view uevent) {
    constexpr std::string_view kKey = "DEVNAME=";
    size_t pos = 0;
    while (pos < uevent.size()) {
        size_t end = uevent.find('\n', pos);
        if (end == std::string_view::npos)
            end = uevent.size();
        std::string_view line = uevent.substr(pos, end - pos);
        if (line.starts_with(kKey))
            return std::string(line.substr(kKey.size()));
        pos = end + 1;
    }
    return {};
}

std::string block_device_name(const std::string &maj_min, const std::filesystem::path &sysfs) {
    auto uevent = read_file(sysfs / "dev" / "block" / maj_min / "uevent");
    return uevent ? parse_uevent_devname(*uevent) : std::string();
}

}  // namespace cgw
