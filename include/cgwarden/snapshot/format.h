// Numbers for people, in the snapshot table.
#pragma once

#include <cstdint>
#include <string>

namespace cgw {

// "850ns", "12.3us", "4.56ms", "1.20s": readable at 3 a.m.
std::string human_duration(double s);

// "512B", "4.0KiB", "12.5MiB", "3.20GiB".
std::string human_bytes(uint64_t bytes);

}  // namespace cgw
