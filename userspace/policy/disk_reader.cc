#include "disk_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <span>
#include <set>

#include "cgwarden/common/strings.h"
#include "cgwarden/policy/units.h"

namespace cgw::policy_yaml {

namespace {

constexpr std::array<std::string_view, 6> kModelKeys = {"rbps", "rseqiops", "rrandiops",
                                                        "wbps", "wseqiops", "wrandiops"};
constexpr std::array<std::string_view, 6> kQosKeys = {"rpct", "rlat", "wpct", "wlat", "min", "max"};

bool whole_number(std::string_view text, uint64_t &out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

// The kernel's cgroup_parse_float with two decimals: "95", "99.9", "0.50".
bool percent(std::string_view text, double &out) {
    size_t dot = text.find('.');
    uint64_t whole = 0, frac = 0;
    std::string_view decimals = dot == std::string_view::npos ? "" : text.substr(dot + 1);
    if (!whole_number(text.substr(0, dot), whole) || decimals.size() > 2 ||
        (!decimals.empty() && !whole_number(decimals, frac)))
        return false;
    out =
        static_cast<double>(whole) + static_cast<double>(frac) / (decimals.size() == 1 ? 10 : 100);
    return true;
}

// "key=value ..." with every key known and given once; `check_value` says
// what a bad value should have been, or "" when it is good.
template <class CheckValue>
Result<std::map<std::string, std::string>> key_values(std::string_view text,
                                                      std::span<const std::string_view> keys,
                                                      CheckValue check_value) {
    std::map<std::string, std::string> values;
    for (std::string_view item : split_nonempty(text, ' ')) {
        size_t eq = item.find('=');
        std::string_view key = item.substr(0, eq);
        if (eq == std::string_view::npos || std::find(keys.begin(), keys.end(), key) == keys.end())
            return expected(
                fmt::format("key=value items with keys among {}", fmt::join(keys, ", ")), item);
        if (values.count(std::string(key)))
            return Error{fmt::format("'{}' is given twice", key)};
        std::string_view value = item.substr(eq + 1);
        if (std::string what = check_value(key, value); !what.empty())
            return expected(fmt::format("{} for {}", what, key), value);
        values.emplace(key, value);
    }
    return values;
}

// io.cost.model: all six coefficients, so that none is left to the kernel's
// guess for another kind of disk.
Result<std::string> parse_model(std::string_view text) {
    auto values = key_values(text, kModelKeys, [](std::string_view, std::string_view value) {
        uint64_t n = 0;
        return whole_number(value, n) && n > 0 ? "" : std::string("a whole number above 0");
    });
    if (!values)
        return values.error();
    for (std::string_view key : kModelKeys)
        if (!values->count(std::string(key)))
            return Error{fmt::format(
                "'{}' is missing: the model needs all of {} (measure them with the kernel's "
                "tools/cgroup/iocost_coef_gen.py)",
                key, fmt::join(kModelKeys, ", "))};
    return std::string(text);
}

// io.cost.qos: any of its targets; cgwarden adds enable=1 and ctrl=user.
Result<std::string> parse_qos(std::string_view text) {
    auto values = key_values(text, kQosKeys, [](std::string_view key, std::string_view value) {
        double v = 0;
        uint64_t n = 0;
        if (key == "rlat" || key == "wlat")
            return whole_number(value, n) && n <= UINT32_MAX ? "" : std::string("microseconds");
        if (key == "rpct" || key == "wpct")
            return percent(value, v) && v <= 100 ? "" : std::string("a percentile 0..100");
        return percent(value, v) && v >= 1 && v <= 10000
                   ? ""
                   : std::string("a share of the model's rate in %, 1..10000");
    });
    if (!values)
        return values.error();
    double min = 1, max = 10000;
    if (values->count("min"))
        percent(values->at("min"), min);
    if (values->count("max"))
        percent(values->at("max"), max);
    if (min > max)
        return Error{fmt::format("min ({}) is above max ({})", min, max)};
    return std::string(text);
}

Result<std::string> parse_device(std::string_view text) {
    if (text.empty() || text.find_first_of(" \t\n") != std::string_view::npos)
        return expected("a block device: a name (vdb), a path (/dev/vdb) or MAJ:MIN", text);
    return std::string(text);
}

}  // namespace

std::vector<DiskPolicy> read_disks(YamlChecker &check, const YAML::Node &list) {
    std::vector<DiskPolicy> disks;
    if (!check.expect_sequence(list, "disks"))
        return disks;
    for (size_t i = 0; i < list.size(); ++i) {
        std::string path = index_path("disks", i);
        const YAML::Node &node = list[i];
        if (!check.expect_map(node, path, {"device", "io_cost"}))
            continue;
        DiskPolicy disk;
        disk.device = check.read(node, "device", path, parse_device, true).value_or("");
        std::string cost_path = child_path(path, "io_cost");
        if (!node["io_cost"]) {
            check.error(node, cost_path, "missing (required): the disk's model and QoS");
        } else if (check.expect_map(node["io_cost"], cost_path, {"model", "qos"})) {
            disk.io_cost.model =
                check.read(node["io_cost"], "model", cost_path, parse_model, true).value_or("");
            disk.io_cost.qos =
                check.read(node["io_cost"], "qos", cost_path, parse_qos, true).value_or("");
        }
        if (!disk.device.empty() &&
            std::any_of(disks.begin(), disks.end(),
                        [&](const DiskPolicy &d) { return d.device == disk.device; }))
            check.error(node["device"], child_path(path, "device"),
                        fmt::format("disk '{}' is listed twice", disk.device));
        disks.push_back(std::move(disk));
    }
    return disks;
}

}  // namespace cgw::policy_yaml
