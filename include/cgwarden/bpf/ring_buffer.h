// RAII owner of a libbpf ring buffer consumer: events of a BPF_MAP_TYPE_RINGBUF
// map handed to a callback as they arrive.
#pragma once

#include <bpf/libbpf.h>

#include <functional>
#include <memory>
#include <span>
#include <string>

#include "cgwarden/common/result.h"

namespace cgw {

class RingBuffer {
  public:
    // Called for each event, inside poll()/consume(), on the polling thread.
    using Handler = std::function<void(std::span<const std::byte> event)>;

    static Result<RingBuffer> open(const bpf_map *map, Handler handler);

    RingBuffer(RingBuffer &&) noexcept = default;
    RingBuffer &operator=(RingBuffer &&) noexcept = default;

    // Waits up to timeout_ms for events, handles them; returns how many.
    Result<int> poll(int timeout_ms);
    // Handles what is there without waiting.
    Result<int> consume();
    // Readable when events are waiting: for the daemon's own epoll loop.
    int epoll_fd() const;

  private:
    struct Deleter {
        void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
    };
    RingBuffer(std::unique_ptr<Handler> handler, std::string name);

    // Heap-allocated so its address, given to libbpf, survives moves.
    std::unique_ptr<Handler> handler_;
    std::unique_ptr<ring_buffer, Deleter> rb_;
    std::string name_;
};

}  // namespace cgw
