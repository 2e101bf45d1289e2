// Base fixture of the root tests: checks the privilege, detects the cgroup
// layout, removes test cgroups of crashed runs and probes the kernel.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include "cgwarden/bpf/probe.h"
#include "cgwarden/cgroup/layout.h"
#include "test_cgroup.h"

namespace cgw::test {

class RootKernelTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(::geteuid(), 0u) << "integration tests load BPF and create cgroups: run as root";
        auto layout = detect_cgroup_layout();
        ASSERT_TRUE(layout) << layout.error().message;
        layout_ = *layout;
        remove_stale_test_cgroups(layout_);
        features_ = probe_kernel_features();
    }

    CgroupLayout layout_;
    KernelFeatures features_;
};

}  // namespace cgw::test
