#include "cgwarden/exporter/cgroup_identity.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

Labels labels(const std::string &path) {
    return identity_labels(identify_by_path(path));
}

TEST(ExporterIdentity, PlainCgroupsHaveNoIdentityLabels) {
    EXPECT_TRUE(labels("/batch/job-1").empty());
}

TEST(ExporterIdentity, SystemdUnit) {
    EXPECT_EQ(labels("/system.slice/kubelet.service"), (Labels{{"unit", "kubelet.service"}}));
}

TEST(ExporterIdentity, KubernetesPodsAsKubeStateMetricsSpellsThem) {
    Labels pod = labels(
        "/kubepods.slice/kubepods-burstable.slice/"
        "kubepods-burstable-pod1f0c3a2e_5b7d_4c1a_9e2f_0a1b2c3d4e5f.slice/"
        "cri-containerd-8d9f0e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6.scope");
    ASSERT_EQ(pod.size(), 4u);
    EXPECT_EQ(pod[0].first, "unit");
    EXPECT_EQ(pod[1], (std::pair<std::string, std::string>{
                          "pod_uid", "1f0c3a2e-5b7d-4c1a-9e2f-0a1b2c3d4e5f"}));
    EXPECT_EQ(pod[2].first, "container_id");
    EXPECT_EQ(pod[3], (std::pair<std::string, std::string>{"qos_class", "Burstable"}));
    EXPECT_EQ(labels("/kubepods/besteffort/pod0a1b-2c3d").back().second, "BestEffort");
}

}  // namespace
}  // namespace cgw
