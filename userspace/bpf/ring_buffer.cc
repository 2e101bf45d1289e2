#include "cgwarden/bpf/ring_buffer.h"

#include <cerrno>

namespace cgw {

namespace {

int dispatch(void *ctx, void *data, size_t size) {
    (*static_cast<RingBuffer::Handler *>(ctx))(
        std::span<const std::byte>(static_cast<const std::byte *>(data), size));
    return 0;
}

}  // namespace

RingBuffer::RingBuffer(std::unique_ptr<Handler> handler, std::string name)
    : handler_(std::move(handler)), name_(std::move(name)) {}

Result<RingBuffer> RingBuffer::open(const bpf_map *map, Handler handler) {
    RingBuffer rb(std::make_unique<Handler>(std::move(handler)), bpf_map__name(map));
    rb.rb_.reset(ring_buffer__new(bpf_map__fd(map), dispatch, rb.handler_.get(), nullptr));
    if (!rb.rb_)
        return Error::from_errno("opening ring buffer " + rb.name_);
    return rb;
}

Result<int> RingBuffer::poll(int timeout_ms) {
    int n = ring_buffer__poll(rb_.get(), timeout_ms);
    // A signal ending the wait is not an error: the caller polls again.
    if (n == -EINTR)
        return 0;
    if (n < 0)
        return Error::from_errno("polling ring buffer " + name_, -n);
    return n;
}

Result<int> RingBuffer::consume() {
    int n = ring_buffer__consume(rb_.get());
    if (n < 0)
        return Error::from_errno("consuming ring buffer " + name_, -n);
    return n;
}

int RingBuffer::epoll_fd() const {
    return ring_buffer__epoll_fd(rb_.get());
}

}  // namespace cgw
