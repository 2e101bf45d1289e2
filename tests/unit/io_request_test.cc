// The request lifecycle rules shared with bpf/io.bpf.c (io_request.h).
#include "cgwarden/io_request.h"

#include <gtest/gtest.h>

namespace cgw {
namespace {

cgw_io_request arrived_at(uint64_t ns) {
    cgw_io_request r{};
    r.arrived_ns = ns;
    return r;
}

TEST(IoRequest, InsertIssueCompleteSplitsQueueAndDeviceLatency) {
    cgw_io_request r = arrived_at(1'000);
    cgw_io_issue(&r, 5'000, 4096);
    cgw_io_latency lat{};
    ASSERT_TRUE(cgw_io_complete(&r, 12'000, &lat));
    EXPECT_EQ(lat.queue_ns, 4'000u);
    EXPECT_EQ(lat.device_ns, 7'000u);
    EXPECT_EQ(r.bytes, 4096u);
}

TEST(IoRequest, IssuedWithoutInsertHasNoQueueTime) {
    cgw_io_request r = arrived_at(8'000);  // arrival recorded at issue
    cgw_io_issue(&r, 8'000, 512);
    cgw_io_latency lat{};
    ASSERT_TRUE(cgw_io_complete(&r, 9'000, &lat));
    EXPECT_EQ(lat.queue_ns, 0u);
    EXPECT_EQ(lat.device_ns, 1'000u);
}

TEST(IoRequest, NeverIssuedIsNotTimed) {
    cgw_io_request r = arrived_at(1'000);
    cgw_io_latency lat{};
    EXPECT_FALSE(cgw_io_complete(&r, 2'000, &lat));
}

TEST(IoRequest, RequeueKeepsArrivalAndTimesTheLastAttempt) {
    cgw_io_request r = arrived_at(1'000);
    cgw_io_issue(&r, 2'000, 4096);
    cgw_io_requeue(&r);
    EXPECT_TRUE(cgw_io_insert_is_requeue(&r)) << "the insert after a requeue is no new request";
    cgw_io_issue(&r, 6'000, 4096);
    EXPECT_FALSE(cgw_io_insert_is_requeue(&r));
    cgw_io_latency lat{};
    ASSERT_TRUE(cgw_io_complete(&r, 7'000, &lat));
    EXPECT_EQ(lat.queue_ns, 5'000u) << "the failed attempt counts as waiting";
    EXPECT_EQ(lat.device_ns, 1'000u);
}

TEST(IoRequest, AStaleEntryIsNoRequeue) {
    cgw_io_request r = arrived_at(1'000);
    cgw_io_issue(&r, 2'000, 4096);
    EXPECT_FALSE(cgw_io_insert_is_requeue(&r));
}

TEST(IoRequest, ClocksGoingBackGiveZeroNotGarbage) {
    cgw_io_request r = arrived_at(10'000);
    cgw_io_issue(&r, 9'000, 4096);
    cgw_io_latency lat{};
    ASSERT_TRUE(cgw_io_complete(&r, 8'000, &lat));
    EXPECT_EQ(lat.queue_ns, 0u);
    EXPECT_EQ(lat.device_ns, 0u);
}

TEST(IoRequest, OnlyTheCompletionOfTheLastBytesEndsTheRequest) {
    EXPECT_FALSE(cgw_io_completion_is_final(4096, 8192));
    EXPECT_TRUE(cgw_io_completion_is_final(8192, 8192));
    EXPECT_TRUE(cgw_io_completion_is_final(0, 0)) << "a flush carries no data";
}

TEST(IoRequest, OpClasses) {
    constexpr uint32_t kSync = 1u << 11;  // flags above the op bits are ignored
    EXPECT_EQ(cgw_io_op_class(CGW_REQ_OP_READ | kSync), CGW_IO_OP_READ);
    EXPECT_EQ(cgw_io_op_class(CGW_REQ_OP_WRITE | kSync), CGW_IO_OP_WRITE);
    EXPECT_EQ(cgw_io_op_class(CGW_REQ_OP_WRITE_ZEROES), CGW_IO_OP_WRITE);
    EXPECT_EQ(cgw_io_op_class(CGW_REQ_OP_FLUSH), CGW_IO_OP_FLUSH);
    EXPECT_EQ(cgw_io_op_class(CGW_REQ_OP_DISCARD), CGW_IO_OP_DISCARD);
    EXPECT_EQ(cgw_io_op_class(CGW_REQ_OP_SECURE_ERASE), CGW_IO_OP_DISCARD);
    EXPECT_EQ(cgw_io_op_class(34), CGW_IO_OP_OTHER) << "driver private";
}

TEST(IoRequest, LatencyIsSharedByTheRequestsInFlight) {
    EXPECT_EQ(cgw_io_share_ns(8'000, 30, 40), 6'000u);
    EXPECT_EQ(cgw_io_share_ns(8'000, 10, 40), 2'000u);
    EXPECT_EQ(cgw_io_share_ns(8'000, 0, 0), 0u) << "nothing in flight, nobody charged";
}

}  // namespace
}  // namespace cgw
