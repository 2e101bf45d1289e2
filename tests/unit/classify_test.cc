#include "cgwarden/policy/classify.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

constexpr const char *kContainerId =
    "4f1d2c3b5a6978877665544332211000aabbccddeeff00112233445566778899";

TEST(Identify, SystemdUnit) {
    auto id = identify("/system.slice/kubelet.service");
    EXPECT_EQ(id.systemd_unit, "kubelet.service");
    EXPECT_FALSE(id.pod_uid);
    EXPECT_FALSE(id.qos_class);
    EXPECT_EQ(identify("/user.slice/user-1000.slice/session-3.scope").systemd_unit,
              "session-3.scope");
    EXPECT_EQ(identify("/system.slice/docker.service/sub").systemd_unit, "docker.service");
    EXPECT_FALSE(identify("/batch/job1").systemd_unit);
    EXPECT_FALSE(identify("/").systemd_unit);
}

TEST(Identify, SystemdDriverBurstablePodAndContainer) {
    auto id = identify(
        "/kubepods.slice/kubepods-burstable.slice/"
        "kubepods-burstable-pod1b2c3d4e_5f60_4a5b_8c9d_0123456789ab.slice/cri-containerd-" +
        std::string(kContainerId) + ".scope");
    EXPECT_EQ(id.qos_class, QosClass::Burstable);
    EXPECT_EQ(id.pod_uid, "1b2c3d4e-5f60-4a5b-8c9d-0123456789ab");
    EXPECT_EQ(id.container_id, kContainerId);
    EXPECT_EQ(id.systemd_unit, "cri-containerd-" + std::string(kContainerId) + ".scope");
}

TEST(Identify, SystemdDriverGuaranteedPodSitsUnderKubepods) {
    auto id = identify(
        "/kubepods.slice/kubepods-pod0a1b2c3d_0000_4a5b_8c9d_0123456789ab.slice/"
        "docker-" +
        std::string(kContainerId) + ".scope");
    EXPECT_EQ(id.qos_class, QosClass::Guaranteed);
    EXPECT_EQ(id.pod_uid, "0a1b2c3d-0000-4a5b-8c9d-0123456789ab");
    EXPECT_EQ(id.container_id, kContainerId);
}

TEST(Identify, SystemdDriverBestEffortCrio) {
    auto id = identify(
        "/kubepods.slice/kubepods-besteffort.slice/"
        "kubepods-besteffort-podffffffff_0000_4a5b_8c9d_0123456789ab.slice/crio-" +
        std::string(kContainerId) + ".scope");
    EXPECT_EQ(id.qos_class, QosClass::BestEffort);
    EXPECT_EQ(id.pod_uid, "ffffffff-0000-4a5b-8c9d-0123456789ab");
    EXPECT_EQ(id.container_id, kContainerId);
    auto conmon = identify(
        "/kubepods.slice/kubepods-besteffort.slice/"
        "kubepods-besteffort-podffffffff_0000_4a5b_8c9d_0123456789ab.slice/crio-conmon-" +
        std::string(kContainerId) + ".scope");
    EXPECT_FALSE(conmon.container_id) << "conmon is CRI-O's monitor, not the container";
    EXPECT_EQ(conmon.pod_uid, "ffffffff-0000-4a5b-8c9d-0123456789ab");
}

TEST(Identify, SystemdDriverQosSliceAndPodSliceThemselves) {
    auto qos = identify("/kubepods.slice/kubepods-burstable.slice");
    EXPECT_EQ(qos.qos_class, QosClass::Burstable);
    EXPECT_FALSE(qos.pod_uid);
    auto pod = identify(
        "/kubepods.slice/kubepods-burstable.slice/"
        "kubepods-burstable-pod1b2c3d4e_5f60_4a5b_8c9d_0123456789ab.slice");
    EXPECT_EQ(pod.pod_uid, "1b2c3d4e-5f60-4a5b-8c9d-0123456789ab");
    EXPECT_FALSE(pod.container_id);
    auto root = identify("/kubepods.slice");
    EXPECT_FALSE(root.qos_class);
    EXPECT_EQ(root.systemd_unit, "kubepods.slice");
}

TEST(Identify, NestedKubeletCgroupRoot) {
    auto id = identify(
        "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
        "kubelet-kubepods-besteffort-pod1b2c3d4e_5f60_4a5b_8c9d_0123456789ab.slice");
    EXPECT_EQ(id.pod_uid, "1b2c3d4e-5f60-4a5b-8c9d-0123456789ab");
    EXPECT_EQ(id.qos_class, QosClass::BestEffort);
}

TEST(Identify, CgroupfsDriver) {
    auto burstable = identify("/kubepods/burstable/pod1b2c3d4e-5f60-4a5b-8c9d-0123456789ab/" +
                              std::string(kContainerId));
    EXPECT_EQ(burstable.qos_class, QosClass::Burstable);
    EXPECT_EQ(burstable.pod_uid, "1b2c3d4e-5f60-4a5b-8c9d-0123456789ab");
    EXPECT_EQ(burstable.container_id, kContainerId);
    EXPECT_FALSE(burstable.systemd_unit);

    auto guaranteed =
        identify("/kubepods/pod0a1b2c3d-0000-4a5b-8c9d-0123456789ab/" + std::string(kContainerId));
    EXPECT_EQ(guaranteed.qos_class, QosClass::Guaranteed);
    EXPECT_EQ(guaranteed.pod_uid, "0a1b2c3d-0000-4a5b-8c9d-0123456789ab");

    auto besteffort = identify("/kubepods/besteffort/podffffffff-0000-4a5b-8c9d-0123456789ab");
    EXPECT_EQ(besteffort.qos_class, QosClass::BestEffort);
    EXPECT_FALSE(besteffort.container_id);
}

TEST(Identify, NotKubernetes) {
    auto id = identify("/system.slice/podman.service");
    EXPECT_FALSE(id.qos_class);
    EXPECT_FALSE(id.pod_uid);
    EXPECT_FALSE(identify("/kubepods-like/burstable/pod1").qos_class);
}

ClassPolicy make_class(const std::string &name, int priority) {
    ClassPolicy c;
    c.name = name;
    c.priority = priority;
    return c;
}

Policy three_classes() {
    Policy p;
    ClassPolicy critical = make_class("critical", 100);
    critical.match.systemd_units = {"kubelet.service"};
    critical.match.k8s_qos = {QosClass::Guaranteed};
    critical.match.pod_uids = {"1b2c3d4e-5f60-4a5b-8c9d-0123456789ab"};
    ClassPolicy standard = make_class("standard", 50);
    ClassPolicy best_effort = make_class("best-effort", 0);
    best_effort.match.path_globs = {"/batch/**", "/system.slice/**"};
    best_effort.match.k8s_qos = {QosClass::BestEffort};
    p.classes = {critical, standard, best_effort};
    p.default_class = "standard";
    return p;
}

TEST(Classify, HighestPriorityWins) {
    Policy p = three_classes();
    EXPECT_EQ(classify(p, "/system.slice/kubelet.service"), 0u)
        << "critical (by unit) beats best-effort (by glob)";
    EXPECT_EQ(classify(p, "/system.slice/cron.service"), 2u);
    EXPECT_EQ(classify(p, "/batch/job1/step2"), 2u);
    EXPECT_EQ(classify(p, "/kubepods/besteffort/podffffffff-0000-4a5b-8c9d-0123456789ab"), 2u);
    EXPECT_EQ(classify(p, "/kubepods/pod0a1b2c3d-0000-4a5b-8c9d-0123456789ab"), 0u);
    EXPECT_EQ(classify(p,
                       "/kubepods.slice/kubepods-burstable.slice/"
                       "kubepods-burstable-pod1b2c3d4e_5f60_4a5b_8c9d_0123456789ab.slice"),
              0u)
        << "by pod uid";
}

TEST(Classify, DefaultClassAndNoClass) {
    Policy p = three_classes();
    EXPECT_EQ(classify(p, "/user.slice"), 1u);
    p.default_class.reset();
    EXPECT_FALSE(classify(p, "/user.slice"));
}

TEST(Classify, TiesGoToTheFirstClassInTheFile) {
    Policy p;
    ClassPolicy a = make_class("a", 5);
    a.match.path_globs = {"/x/*"};
    ClassPolicy b = make_class("b", 5);
    b.match.path_globs = {"/x/**"};
    p.classes = {a, b};
    EXPECT_EQ(classify(p, "/x/y"), 0u);
    EXPECT_EQ(classify(p, "/x/y/z"), 1u);
    std::swap(p.classes[0], p.classes[1]);
    EXPECT_EQ(classify(p, "/x/y"), 0u);
}

}  // namespace
}  // namespace cgw
