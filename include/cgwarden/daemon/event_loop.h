// The daemon's only wait: an epoll set with the interval timer, the stop
// signals and any number of event sources (BPF ring buffers), so a notable
// kernel event wakes the control loop at once instead of at the next tick.
#pragma once

#include <chrono>
#include <functional>
#include <map>

#include "cgwarden/common/result.h"
#include "cgwarden/common/unique_fd.h"

namespace cgw {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread, and so in every
// thread it starts afterwards. Call it before any thread exists (libbpf,
// the metrics server): a stop signal must reach the loop, not kill the process
// through a thread that never blocked it.
Status block_stop_signals();

class EventLoop {
  public:
    enum class Wake { Tick, Event, Stop };

    // SIGINT, SIGTERM and SIGHUP are blocked and delivered through the loop.
    static Result<EventLoop> create(std::chrono::nanoseconds interval);

    // on_ready runs when fd becomes readable (e.g. ring_buffer__consume).
    Status watch(int fd, std::function<void()> on_ready);

    // Makes wait() return Wake::Event once, `delay` from now (again: the
    // later time replaces the earlier).
    Status wake_in(std::chrono::nanoseconds delay);

    // Blocks until the next tick, an event or a stop signal.
    Result<Wake> wait();

    int stop_signal() const { return stop_signal_; }

  private:
    EventLoop() = default;
    UniqueFd epoll_;
    UniqueFd timer_;
    UniqueFd signals_;
    UniqueFd follow_up_;
    std::map<int, std::function<void()>> sources_;
    int stop_signal_ = 0;
};

}  // namespace cgw
