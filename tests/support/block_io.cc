#include "block_io.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace cgw::test {

namespace {

std::string maj_min(dev_t dev) {
    return std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
}

std::string first_line(const std::filesystem::path &file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

// The whole disk holding a partition (or the disk itself).
std::string whole_disk(const std::string &device) {
    std::filesystem::path sys = "/sys/dev/block/" + device;
    if (!std::filesystem::exists(sys))
        throw std::runtime_error("device " + device +
                                 " is no block device: put the IO test file on a disk "
                                 "(CGWARDEN_IO_TEST_DIR) or name a scratch device in "
                                 "CGWARDEN_TEST_BLOCK_DEVICE");
    if (!std::filesystem::exists(sys / "partition"))
        return device;
    return first_line(std::filesystem::canonical(sys) / ".." / "dev");
}

void run_or_throw(const std::string &command) {
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("failed: " + command);
}

FioDirection direction(const nlohmann::json &job, const char *name) {
    const auto &d = job.at(name);
    FioDirection out;
    out.total_ios = d.at("total_ios").get<uint64_t>();
    if (out.total_ios == 0)
        return out;
    out.clat_p50_s = d.at("clat_ns").at("percentile").at("50.000000").get<double>() / 1e9;
    out.clat_p99_s = d.at("clat_ns").at("percentile").at("99.000000").get<double>() / 1e9;
    out.lat_p50_s = d.at("lat_ns").at("percentile").at("50.000000").get<double>() / 1e9;
    return out;
}

const char *device_variable(Disk disk) {
    return disk == Disk::Rated ? "CGWARDEN_TEST_RATED_BLOCK_DEVICE" : "CGWARDEN_TEST_BLOCK_DEVICE";
}

}  // namespace

std::string IoTarget::unavailable(Disk disk) {
    const char *raw = std::getenv(device_variable(disk));
    if (disk == Disk::Rated && (!raw || !*raw))
        return "no disk whose rate a hog exceeds (CGWARDEN_TEST_RATED_BLOCK_DEVICE, the VM's "
               "/dev/vdb limited to CGWARDEN_TEST_RATED_DISK_IOPS requests a second)";
    return "";
}

IoTarget::IoTarget(Disk disk) {
    const char *variable = device_variable(disk);
    if (const char *raw = std::getenv(variable); raw && *raw) {
        path_ = raw;
        struct stat st {};
        if (::stat(raw, &st) != 0 || !S_ISBLK(st.st_mode))
            throw std::runtime_error(path_ + " (" + variable + ") is no block device");
        device_ = whole_disk(maj_min(st.st_rdev));
    } else if (disk == Disk::Rated) {
        throw std::runtime_error(unavailable(disk));
    } else {
        const char *dir = std::getenv("CGWARDEN_IO_TEST_DIR");
        path_ =
            std::string(dir ? dir : "/var/tmp") + "/cgw-test-" + std::to_string(::getpid()) + ".io";
        owns_file_ = true;
    }
    run_or_throw("fio --name=fill --filename=" + path_ + " --size=" + kSize +
                 " --rw=write --bs=1M --direct=1 --ioengine=psync --output=/dev/null");
    struct stat st {};
    if (owns_file_) {
        if (::stat(path_.c_str(), &st) != 0)
            throw std::runtime_error("cannot stat " + path_);
        device_ = whole_disk(maj_min(st.st_dev));
    }
}

IoTarget::~IoTarget() {
    if (owns_file_)
        ::unlink(path_.c_str());
}

std::vector<std::string> fio_command(const IoTarget &target, const std::string &output,
                                     const std::vector<std::string> &job) {
    std::vector<std::string> argv = {"fio",
                                     "--name=cgw",
                                     "--filename=" + target.path(),
                                     std::string("--size=") + IoTarget::kSize,
                                     "--direct=1",
                                     "--lat_percentiles=1",
                                     "--clat_percentiles=1",
                                     "--output-format=json",
                                     "--eta=never",
                                     "--output=" + output};
    argv.insert(argv.end(), job.begin(), job.end());
    return argv;
}

FioResult read_fio_json(const std::string &output) {
    std::ifstream in(output);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A fio stopped by a signal writes its notice ("fio: terminating on
    // signal 2") into the output file before the JSON.
    size_t start = text.find('{');
    auto json = nlohmann::json::parse(start == std::string::npos ? text : text.substr(start));
    const auto &job = json.at("jobs").at(0);
    return {direction(job, "read"), direction(job, "write")};
}

uint64_t kernel_io_ops(const CgroupLayout &layout, const TestCgroup &cgroup,
                       const std::string &device) {
    uint64_t ops = 0;
    if (layout.mode == CgroupMode::V2) {
        // "254:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0"
        std::ifstream in(cgroup.dir("blkio") / "io.stat");
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string dev, kv;
            fields >> dev;
            if (dev != device)
                continue;
            while (fields >> kv) {
                if (kv.starts_with("rios=") || kv.starts_with("wios="))
                    ops += std::stoull(kv.substr(5));
            }
        }
        return ops;
    }
    // "254:0 Read 12" ... "254:0 Total 20", then "Total 20"
    std::ifstream in(cgroup.dir("blkio") / "blkio.throttle.io_serviced");
    std::string dev, kind;
    uint64_t n;
    while (in >> dev >> kind >> n) {
        if (dev == device && (kind == "Read" || kind == "Write"))
            ops += n;
    }
    return ops;
}

void count_v1_io(const CgroupLayout &layout, const TestCgroup &cgroup, const std::string &device) {
    if (layout.mode == CgroupMode::V2)
        return;
    for (const char *file :
         {"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"}) {
        std::ofstream out(cgroup.dir("blkio") / file);
        out << device << " 100000000" << std::flush;
        if (!out)
            throw std::runtime_error(std::string("cannot write ") + file);
    }
}

}  // namespace cgw::test
