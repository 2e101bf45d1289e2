// Block IO for root tests: a disk region to hammer with fio, fio's own
// measurements, and the kernel's per-cgroup IO counts, each read here with
// a few lines of its own (ground truth shares no code with cgwarden).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cgwarden/cgroup/layout.h"
#include "test_cgroup.h"

namespace cgw::test {

// Which disk a test hammers.
enum class Disk {
    // The raw device in $CGWARDEN_TEST_BLOCK_DEVICE (the VM's scratch disk),
    // else a file in $CGWARDEN_IO_TEST_DIR or /var/tmp on a block device.
    Scratch,
    // The raw device in $CGWARDEN_TEST_RATED_BLOCK_DEVICE, whose rate
    // ($CGWARDEN_TEST_RATED_DISK_IOPS requests a second) is below what a
    // deep-queue hog asks for: a cloud volume with provisioned IOPS (the
    // VM's /dev/vdb). Where no such disk is set, `available` says why.
    Rated,
};

// Where fio does its IO on `Disk`. Written once in full, so reads hit the
// device rather than holes; a file is removed at destruction.
class IoTarget {
  public:
    static constexpr const char *kSize = "32M";

    explicit IoTarget(Disk disk = Disk::Scratch);
    // Empty when the disk can be used, else why not (a test's skip reason).
    static std::string unavailable(Disk disk);
    ~IoTarget();
    IoTarget(const IoTarget &) = delete;
    IoTarget &operator=(const IoTarget &) = delete;

    const std::string &path() const { return path_; }
    // The whole disk, "MAJ:MIN", as io.stat names it.
    const std::string &device() const { return device_; }

  private:
    std::string path_;
    std::string device_;
    bool owns_file_ = false;
};

struct FioDirection {
    uint64_t total_ios = 0;
    double clat_p50_s = 0;  // submission done -> completion reaped
    double clat_p99_s = 0;
    double lat_p50_s = 0;  // whole IO, submission included
};

struct FioResult {
    FioDirection read;
    FioDirection write;
    uint64_t total_ios() const { return read.total_ios + write.total_ios; }
};

// fio arguments for `target`, direct IO, JSON output to `output`.
std::vector<std::string> fio_command(const IoTarget &target, const std::string &output,
                                     const std::vector<std::string> &job);
// Also of a fio stopped by SIGINT, which reports what it did until then.
FioResult read_fio_json(const std::string &output);

// Requests the kernel counted for the cgroup on the device: rios + wios of
// io.stat (v2), Read + Write of blkio.throttle.io_serviced (v1).
uint64_t kernel_io_ops(const CgroupLayout &layout, const TestCgroup &cgroup,
                       const std::string &device);

// Since Linux 6.10 v1 counts blkio.throttle.io_serviced only on queues with a
// throttle rule: sets an iops limit no test reaches. Nothing to do on v2.
void count_v1_io(const CgroupLayout &layout, const TestCgroup &cgroup, const std::string &device);

}  // namespace cgw::test
