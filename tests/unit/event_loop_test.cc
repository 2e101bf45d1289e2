#include "cgwarden/daemon/event_loop.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace cgw {
namespace {

using namespace std::chrono_literals;

TEST(EventLoop, TicksEventsAndStops) {
    auto loop = EventLoop::create(50ms);
    ASSERT_TRUE(loop) << loop.error().message;

    UniqueFd event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    ASSERT_TRUE(event.valid());
    int consumed = 0;
    ASSERT_TRUE(loop->watch(event.get(), [&] {
        uint64_t n;
        if (::read(event.get(), &n, sizeof n) == sizeof n)
            ++consumed;
    }));

    auto wake = loop->wait();
    ASSERT_TRUE(wake);
    EXPECT_EQ(*wake, EventLoop::Wake::Tick);

    uint64_t one = 1;
    ASSERT_EQ(::write(event.get(), &one, sizeof one), static_cast<ssize_t>(sizeof one));
    wake = loop->wait();
    ASSERT_TRUE(wake);
    EXPECT_EQ(*wake, EventLoop::Wake::Event) << "an event wakes the loop before the next tick";
    EXPECT_EQ(consumed, 1);

    // Blocked by the loop, so it is delivered through it instead of killing us.
    ::raise(SIGTERM);
    wake = loop->wait();
    ASSERT_TRUE(wake);
    EXPECT_EQ(*wake, EventLoop::Wake::Stop);
    EXPECT_EQ(loop->stop_signal(), SIGTERM);
}

TEST(EventLoop, AFollowUpWakesItOnceBeforeTheNextTick) {
    auto loop = EventLoop::create(60s);
    ASSERT_TRUE(loop) << loop.error().message;
    ASSERT_TRUE(loop->wake_in(20ms));
    auto wake = loop->wait();
    ASSERT_TRUE(wake);
    EXPECT_EQ(*wake, EventLoop::Wake::Event) << "not the tick a minute away";
    ::raise(SIGTERM);
    wake = loop->wait();
    ASSERT_TRUE(wake);
    EXPECT_EQ(*wake, EventLoop::Wake::Stop);
}

}  // namespace
}  // namespace cgw
