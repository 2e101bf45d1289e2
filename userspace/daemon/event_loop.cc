#include "cgwarden/daemon/event_loop.h"

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace cgw {

namespace {

Status add_to_epoll(int epoll_fd, int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return Error::from_errno("adding fd " + std::to_string(fd) + " to epoll");
    return {};
}

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

}  // namespace

Status block_stop_signals() {
    sigset_t stop = stop_signals();
    if (::pthread_sigmask(SIG_BLOCK, &stop, nullptr) != 0)
        return Error::from_errno("blocking stop signals");
    return {};
}

Result<EventLoop> EventLoop::create(std::chrono::nanoseconds interval) {
    EventLoop loop;
    loop.epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!loop.epoll_.valid())
        return Error::from_errno("creating epoll");

    loop.timer_ = UniqueFd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!loop.timer_.valid())
        return Error::from_errno("creating the interval timer");
    timespec period{static_cast<time_t>(interval.count() / 1'000'000'000),
                    static_cast<long>(interval.count() % 1'000'000'000)};
    itimerspec spec{period, period};
    if (::timerfd_settime(loop.timer_.get(), 0, &spec, nullptr) != 0)
        return Error::from_errno("arming the interval timer");

    if (Status s = block_stop_signals(); !s)
        return s.error();
    sigset_t stop = stop_signals();
    loop.signals_ = UniqueFd(::signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!loop.signals_.valid())
        return Error::from_errno("creating the signal fd");

    loop.follow_up_ = UniqueFd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!loop.follow_up_.valid())
        return Error::from_errno("creating the follow-up timer");

    for (int fd : {loop.timer_.get(), loop.signals_.get(), loop.follow_up_.get()}) {
        if (auto s = add_to_epoll(loop.epoll_.get(), fd); !s)
            return s.error();
    }
    return loop;
}

Status EventLoop::watch(int fd, std::function<void()> on_ready) {
    if (auto s = add_to_epoll(epoll_.get(), fd); !s)
        return s;
    sources_[fd] = std::move(on_ready);
    return {};
}

Status EventLoop::wake_in(std::chrono::nanoseconds delay) {
    timespec once{static_cast<time_t>(delay.count() / 1'000'000'000),
                  static_cast<long>(delay.count() % 1'000'000'000)};
    itimerspec spec{{0, 0}, once};
    if (::timerfd_settime(follow_up_.get(), 0, &spec, nullptr) != 0)
        return Error::from_errno("arming the follow-up timer");
    return {};
}

Result<EventLoop::Wake> EventLoop::wait() {
    for (;;) {
        epoll_event events[8];
        int n = ::epoll_wait(epoll_.get(), events, 8, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error::from_errno("waiting for events");
        }
        bool tick = false;
        bool event = false;
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == signals_.get()) {
                signalfd_siginfo info{};
                if (::read(fd, &info, sizeof info) == sizeof info) {
                    stop_signal_ = static_cast<int>(info.ssi_signo);
                    return Wake::Stop;
                }
            } else if (fd == timer_.get()) {
                uint64_t expirations = 0;
                tick |= ::read(fd, &expirations, sizeof expirations) == sizeof expirations;
            } else if (fd == follow_up_.get()) {
                uint64_t expirations = 0;
                event |= ::read(fd, &expirations, sizeof expirations) == sizeof expirations;
            } else if (auto it = sources_.find(fd); it != sources_.end()) {
                it->second();
                event = true;
            }
        }
        if (tick)
            return Wake::Tick;
        if (event)
            return Wake::Event;
    }
}

}  // namespace cgw
