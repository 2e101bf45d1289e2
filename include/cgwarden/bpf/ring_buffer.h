// RAII owner of a libbpf ring buffer consumer. Its fd becomes readable when
// the kernel has submitted records, so it plugs into the daemon's EventLoop:
//   loop.watch(rb->fd(), [&] { rb->consume(); });
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>

#include "cgwarden/common/result.h"

struct ring_buffer;

namespace cgw {

class RingBuffer {
  public:
    // Called once per record, on the thread that consumes or polls.
    using Handler = std::function<void(std::span<const std::byte>)>;

    // map_fd is a BPF_MAP_TYPE_RINGBUF map's fd.
    static Result<std::unique_ptr<RingBuffer>> open(int map_fd, Handler handler);
    ~RingBuffer();
    RingBuffer(const RingBuffer &) = delete;
    RingBuffer &operator=(const RingBuffer &) = delete;

    // An epoll fd, readable when records are waiting.
    int fd() const;
    // Handles every waiting record without blocking; returns how many.
    Result<int> consume();
    // Waits up to timeout for records, then handles them; returns how many.
    Result<int> poll(std::chrono::milliseconds timeout);

  private:
    explicit RingBuffer(Handler handler) : handler_(std::move(handler)) {}
    static int on_record(void *self, void *data, size_t size);

    Handler handler_;
    ring_buffer *rb_ = nullptr;
};

}  // namespace cgw
