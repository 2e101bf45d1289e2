#include "cgwarden/bpf/ring_buffer.h"

#include <bpf/libbpf.h>

namespace cgw {

Result<std::unique_ptr<RingBuffer>> RingBuffer::open(int map_fd, Handler handler) {
    // The handler's address goes to libbpf as the callback context, so the
    // object lives on the heap and never moves.
    std::unique_ptr<RingBuffer> rb(new RingBuffer(std::move(handler)));
    rb->rb_ = ring_buffer__new(map_fd, &RingBuffer::on_record, rb.get(), nullptr);
    if (!rb->rb_)
        return Error::from_errno("creating the ring buffer consumer");
    return rb;
}

RingBuffer::~RingBuffer() {
    ring_buffer__free(rb_);
}

int RingBuffer::on_record(void *self, void *data, size_t size) {
    static_cast<RingBuffer *>(self)->handler_({static_cast<const std::byte *>(data), size});
    return 0;
}

int RingBuffer::fd() const {
    return ring_buffer__epoll_fd(rb_);
}

Result<int> RingBuffer::consume() {
    int n = ring_buffer__consume(rb_);
    if (n < 0)
        return Error::from_errno("consuming the ring buffer", -n);
    return n;
}

Result<int> RingBuffer::poll(std::chrono::milliseconds timeout) {
    int n = ring_buffer__poll(rb_, static_cast<int>(timeout.count()));
    if (n < 0 && n != -EINTR)
        return Error::from_errno("polling the ring buffer", -n);
    return n < 0 ? 0 : n;
}

}  // namespace cgw
