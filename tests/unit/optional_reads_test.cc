// A failed read of an optional sensor costs its signals for the pass, is
// counted, and is logged once when it starts and once when it ends.
#include "cgwarden/daemon/optional_reads.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace cgw {
namespace {

struct Counters {
    int value = 0;
};

class OptionalReadsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        previous_ = spdlog::default_logger();
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(log_);
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
    }
    void TearDown() override { spdlog::set_default_logger(previous_); }
    size_t lines() const {
        std::string text = log_.str();
        return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    }

    std::ostringstream log_;
    std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(OptionalReadsTest, AFailureCostsThatSensorsPassAndIsSaidOnce) {
    OptionalReads reads;
    auto read = reads.take("io", Result<Counters>(Counters{7}));
    ASSERT_TRUE(read);
    EXPECT_EQ(read->value, 7);
    EXPECT_EQ(lines(), 0u);

    for (int pass = 0; pass < 5; ++pass) {
        EXPECT_FALSE(reads.take("io", Result<Counters>(Error{"reading io_stats: EFAULT"})));
        EXPECT_TRUE(reads.take("net", Result<Counters>(Counters{1}))) << "the other sensor reads";
    }
    EXPECT_EQ(reads.errors().at("io"), 5u);
    EXPECT_EQ(reads.errors().count("net"), 0u);
    EXPECT_EQ(lines(), 1u) << "not a line a second:\n" << log_.str();
    EXPECT_NE(log_.str().find("io sensor: reading it failed; its signals are left out until it "
                              "reads again (cgwarden_sensor_read_errors_total counts each failed "
                              "pass): reading io_stats: EFAULT"),
              std::string::npos)
        << log_.str();

    EXPECT_TRUE(reads.take("io", Result<Counters>(Counters{8})));
    EXPECT_EQ(lines(), 2u);
    EXPECT_NE(log_.str().find("io sensor: read again (5 failed read(s) since start)"),
              std::string::npos)
        << log_.str();
    EXPECT_FALSE(reads.take("io", Result<Counters>(Error{"again"})));
    EXPECT_EQ(lines(), 3u) << "a new episode is said again";
}

}  // namespace
}  // namespace cgw
