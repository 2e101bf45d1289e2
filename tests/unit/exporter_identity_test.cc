#include "cgwarden/exporter/cgroup_identity.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

TEST(ExporterIdentity, SystemdUnitIsTheInnermostUnit) {
    EXPECT_EQ(identify_from_path("/system.slice/kubelet.service").unit, "kubelet.service");
    EXPECT_EQ(identify_from_path("/user.slice/user-1000.slice/session-3.scope").unit,
              "session-3.scope");
    EXPECT_EQ(identify_from_path("/system.slice").unit, "system.slice");
    CgroupIdentity plain = identify_from_path("/batch/job-1");
    EXPECT_EQ(plain.unit, "");
    EXPECT_EQ(plain.pod_uid, "");
    EXPECT_EQ(plain.qos_class, "");
}

TEST(ExporterIdentity, KubernetesSystemdDriver) {
    CgroupIdentity id = identify_from_path(
        "/kubepods.slice/kubepods-burstable.slice/"
        "kubepods-burstable-pod1f0c3a2e_5b7d_4c1a_9e2f_0a1b2c3d4e5f.slice/"
        "cri-containerd-8d9f0e1a2b3c.scope");
    EXPECT_EQ(id.qos_class, "Burstable");
    EXPECT_EQ(id.pod_uid, "1f0c3a2e-5b7d-4c1a-9e2f-0a1b2c3d4e5f");
    EXPECT_EQ(id.container_id, "8d9f0e1a2b3c");
    EXPECT_EQ(id.unit, "cri-containerd-8d9f0e1a2b3c.scope");

    CgroupIdentity guaranteed =
        identify_from_path("/kubepods.slice/kubepods-pod0a1b_2c3d.slice/crio-77aa.scope");
    EXPECT_EQ(guaranteed.qos_class, "Guaranteed");
    EXPECT_EQ(guaranteed.pod_uid, "0a1b-2c3d");
    EXPECT_EQ(guaranteed.container_id, "77aa");
}

TEST(ExporterIdentity, KubernetesCgroupfsDriver) {
    CgroupIdentity id = identify_from_path("/kubepods/besteffort/pod0a1b-2c3d/4e5f6a7b8c9d");
    EXPECT_EQ(id.qos_class, "BestEffort");
    EXPECT_EQ(id.pod_uid, "0a1b-2c3d");
    EXPECT_EQ(id.container_id, "4e5f6a7b8c9d");
    EXPECT_EQ(id.unit, "");

    CgroupIdentity pod_only = identify_from_path("/kubepods/pod0a1b-2c3d");
    EXPECT_EQ(pod_only.qos_class, "Guaranteed");
    EXPECT_EQ(pod_only.container_id, "");
}

TEST(ExporterIdentity, QosLevelWithoutPodHasNoPodLabels) {
    CgroupIdentity level = identify_from_path("/kubepods.slice/kubepods-besteffort.slice");
    EXPECT_EQ(level.qos_class, "BestEffort");
    EXPECT_EQ(level.pod_uid, "");
    EXPECT_EQ(identify_from_path("/kubepods").qos_class, "");
}

}  // namespace
}  // namespace cgw
