#include "knob_files.h"

#include <gtest/gtest.h>

#include "daemon_process.h"

namespace cgw::test {

namespace {

std::string key(const TestCgroup &cgroup, const std::string &file) {
    return cgroup.path() + "/" + file;
}

}  // namespace

KnobFiles::KnobFiles(std::vector<const TestCgroup *> cgroups, std::string controller,
                     std::vector<std::string> files)
    : cgroups_(std::move(cgroups)), controller_(std::move(controller)), files_(std::move(files)) {
    originals_ = read();
}

std::map<std::string, std::string> KnobFiles::read() const {
    std::map<std::string, std::string> out;
    for (const TestCgroup *cgroup : cgroups_)
        for (const std::string &file : files_)
            out[key(*cgroup, file)] = read(*cgroup, file);
    return out;
}

std::string KnobFiles::read(const TestCgroup &cgroup, const std::string &file) const {
    return slurp(cgroup.dir(controller_) / file);
}

const std::string &KnobFiles::original(const TestCgroup &cgroup, const std::string &file) const {
    return originals_.at(key(cgroup, file));
}

void KnobFiles::expect_untouched(const TestCgroup &cgroup, const std::string &who) const {
    for (const std::string &file : files_)
        EXPECT_EQ(read(cgroup, file), original(cgroup, file)) << who << "'s " << file << " changed";
}

}  // namespace cgw::test
