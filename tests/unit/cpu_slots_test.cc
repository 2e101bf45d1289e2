#include "cgwarden/sensor/cpu_slots.h"

#include <gtest/gtest.h>

#include "cgwarden/cpu_abi.h"

namespace cgw {
namespace {

TEST(CpuSlotCount, LeavesHeadroomAndStaysUnderTheHashSize) {
    EXPECT_EQ(cpu_slot_count(0), 16u);
    EXPECT_EQ(cpu_slot_count(100), 141u);
    EXPECT_EQ(cpu_slot_count(1'000'000), static_cast<uint32_t>(CGW_CPU_MAX_CGROUPS));
}

TEST(CpuSlots, GivesEachSlotOnceUntilFull) {
    CpuSlots slots(2);
    EXPECT_EQ(slots.give(CpuCgroupId(10)), 0u);
    EXPECT_EQ(slots.give(CpuCgroupId(20)), 1u);
    EXPECT_EQ(slots.give(CpuCgroupId(30)), std::nullopt);
    EXPECT_EQ(slots.slot_of(CpuCgroupId(20)), 1u);
    EXPECT_EQ(slots.slot_of(CpuCgroupId(30)), std::nullopt);
    EXPECT_EQ(slots.held().size(), 2u);
}

TEST(CpuSlots, ASlotTakenBackCoolsForAPassBeforeItIsGivenAgain) {
    CpuSlots slots(1);
    ASSERT_EQ(slots.give(CpuCgroupId(10)), 0u);
    slots.new_pass();
    slots.take_back(CpuCgroupId(10));
    EXPECT_EQ(slots.slot_of(CpuCgroupId(10)), std::nullopt);
    EXPECT_EQ(slots.give(CpuCgroupId(20)), std::nullopt)
        << "a late write for 10 could still land in it";
    slots.new_pass();
    EXPECT_EQ(slots.give(CpuCgroupId(20)), 0u);
    // An id reused by a new cgroup is just another owner.
    slots.new_pass();
    slots.take_back(CpuCgroupId(20));
    slots.new_pass();
    EXPECT_EQ(slots.give(CpuCgroupId(10)), 0u);
}

TEST(CpuSlots, NewPassNamesTheCgroupsGivenASlotInThePassBefore) {
    CpuSlots slots(4);
    slots.give(CpuCgroupId(10));
    slots.give(CpuCgroupId(20));
    slots.take_back(CpuCgroupId(20));  // gone within the pass: nothing to fold
    EXPECT_EQ(slots.new_pass(), std::vector{CpuCgroupId(10)});
    slots.give(CpuCgroupId(30));
    EXPECT_EQ(slots.new_pass(), std::vector{CpuCgroupId(30)});
    EXPECT_TRUE(slots.new_pass().empty());
}

TEST(CpuSlots, TakingBackACgroupWithoutASlotDoesNothing) {
    CpuSlots slots(1);
    slots.take_back(CpuCgroupId(10));
    slots.new_pass();
    EXPECT_EQ(slots.give(CpuCgroupId(20)), 0u);
    EXPECT_EQ(slots.give(CpuCgroupId(30)), std::nullopt);
}

}  // namespace
}  // namespace cgw
