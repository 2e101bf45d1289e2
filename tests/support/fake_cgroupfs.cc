#include "fake_cgroupfs.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cgw::test {

namespace {

// In RAM when possible: the journal fsyncs every record, and the crash
// tests replay thousands of journals.
std::filesystem::path unique_root() {
    static int counter = 0;
    std::filesystem::path base = ::access("/dev/shm", W_OK) == 0
                                     ? std::filesystem::path("/dev/shm")
                                     : std::filesystem::temp_directory_path();
    return base / ("cgw-fakefs-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

}  // namespace

FakeCgroupfs::FakeCgroupfs(Shape shape) : root_(unique_root()) {
    std::filesystem::create_directories(root_);
    std::string mountinfo;
    if (shape == Shape::V2) {
        mountinfo = "30 23 0:26 / " + (root_ / "cgroup2").string() + " rw - cgroup2 cgroup2 rw\n";
    } else {
        mountinfo = "32 31 0:29 / " + (root_ / "cpu").string() + " rw - cgroup cgroup rw,cpu\n" +
                    "34 31 0:31 / " + (root_ / "blkio").string() +
                    " rw - cgroup cgroup rw,blkio\n" + "36 31 0:33 / " +
                    (root_ / "unified").string() + " rw - cgroup2 cgroup2 rw\n";
    }
    auto layout = parse_cgroup_layout(mountinfo, [shape](const std::filesystem::path &) {
        return shape == Shape::V2 ? std::string("cpu io memory\n") : std::string();
    });
    if (!layout)
        throw std::runtime_error(layout.error().message);
    layout_ = *layout;

    auto file = [&](const std::string &controller, const std::string &name,
                    const std::string &text) {
        auto path = app_file(controller, name);
        std::filesystem::create_directories(path.parent_path());
        write(path, text);
    };
    if (shape == Shape::V2) {
        file("cpu", "cpu.weight", "100\n");
        file("cpu", "cpu.max", "max 100000\n");
        file("io", "io.weight", "default 100\n");
        file("io", "io.max", "");
        file("memory", "memory.high", "max\n");
    } else {
        file("cpu", "cpu.shares", "1024\n");
        file("cpu", "cpu.cfs_period_us", "100000\n");
        file("cpu", "cpu.cfs_quota_us", "-1\n");
        file("blkio", "blkio.bfq.weight", "100\n");
        file("blkio", "blkio.throttle.read_bps_device", "");
        file("blkio", "blkio.throttle.write_bps_device", "");
    }
    for (auto [device, schedulers] : {std::pair{"8:0", "mq-deadline kyber [bfq] none\n"},
                                      {"8:16", "[mq-deadline] bfq none\n"}}) {
        auto dir = sys() / "dev/block" / device / "queue";
        std::filesystem::create_directories(dir);
        write(dir / "scheduler", schedulers);
    }
}

FakeCgroupfs::~FakeCgroupfs() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
}

std::filesystem::path FakeCgroupfs::app_file(const std::string &controller,
                                             const std::string &name) const {
    auto mount = layout_.mount_for(controller);
    if (!mount)
        throw std::runtime_error("no fake hierarchy for " + controller);
    return *mount / "app" / name;
}

std::string FakeCgroupfs::read(const std::filesystem::path &file) const {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void FakeCgroupfs::write(const std::filesystem::path &file, const std::string &text) const {
    std::ofstream(file, std::ios::trunc) << text;
}

}  // namespace cgw::test
