#include "cgwarden/cgroup/io_weight_effect.h"

#include <spdlog/spdlog.h>

#include <sstream>

#include "cgwarden/common/file.h"

namespace cgw {

namespace {

// How often a disk's answer is read again.
constexpr auto kRecheckEvery = std::chrono::minutes(1);

// The active scheduler in a queue/scheduler line: "mq-deadline [bfq] none".
std::string active_scheduler(const std::string &line) {
    size_t open = line.find('[');
    size_t close = line.find(']', open);
    return open == std::string::npos || close == std::string::npos
               ? ""
               : line.substr(open + 1, close - open - 1);
}

// Whether the root's io.cost.qos ("254:0 enable=1 ctrl=auto ...") enables
// io.cost on the device.
bool io_cost_enabled(const std::string &qos, const std::string &device) {
    std::istringstream lines(qos);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string dev, kv;
        fields >> dev;
        if (dev != device)
            continue;
        while (fields >> kv)
            if (kv == "enable=1")
                return true;
    }
    return false;
}

}  // namespace

IoWeightEffect::IoWeightEffect(const CgroupLayout &layout, std::filesystem::path sys)
    : layout_(layout), sys_(std::move(sys)) {}

std::string IoWeightEffect::why_not(const std::string &device) const {
    // As the knob codec: v1 blkio.bfq.weight where blkio is a v1 hierarchy.
    if (!layout_.v1.count("blkio")) {
        if (!layout_.unified)
            return "no cgroup hierarchy holds the io controller";
        std::filesystem::path qos = *layout_.unified / "io.cost.qos";
        auto text = read_file(qos);
        if (!text)
            return "this kernel has no io.cost, the only reader of io.weight (" +
                   text.error().message + ")";
        return io_cost_enabled(*text, device)
                   ? ""
                   : "io.cost, the only reader of io.weight, is not enabled on it (" +
                         qos.string() + ")";
    }
    std::filesystem::path scheduler = sys_ / "dev/block" / device / "queue/scheduler";
    auto line = read_file(scheduler);
    if (!line)
        return "its scheduler is unknown (" + line.error().message + ")";
    std::string active = active_scheduler(*line);
    return active == "bfq" ? ""
                           : "its scheduler is " + (active.empty() ? "none" : active) +
                                 ", and only bfq reads blkio.bfq.weight";
}

bool IoWeightEffect::acts_on(const std::string &device, std::chrono::steady_clock::time_point now) {
    auto it = known_.find(device);
    if (it != known_.end() && now - it->second.read_at < kRecheckEvery)
        return it->second.acts;
    std::string why = why_not(device);
    bool acts = why.empty();
    if (it == known_.end() ? !acts : acts != it->second.acts) {
        if (acts)
            spdlog::info("io_weight acts on {} now: the IO ladder starts with it there", device);
        else
            spdlog::info("io_weight does nothing on {}: {}; the IO ladder starts at io_max there",
                         device, why);
    }
    known_[device] = {acts, now};
    return acts;
}

}  // namespace cgw
