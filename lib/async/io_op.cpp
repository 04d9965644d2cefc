// Backend operations as awaitables, and their synchronous form for requests that
// did not come through a ring; see uringfuse/async_io.hpp.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

#include "async/io_queue.hpp"
#include "core/request_slot.hpp"
#include "support/futex.hpp"
#include "uringfuse/log.hpp"
#include "uringfuse/request.hpp"
#include "uringfuse/task.hpp"

namespace uringfuse {
namespace {

// Interrupted and not answered yet: what an operation about to start is cancelled by.
bool cancelled_now(const RequestSlot* r) noexcept {
  return r && r->interrupted.load(std::memory_order_acquire) && !r->answered.load(std::memory_order_acquire);
}

template <class F>
int retrying(F call) noexcept {
  for (;;) {
    const auto r = call();
    if (r >= 0) return static_cast<int>(r);
    if (errno != EINTR) return -errno;
  }
}

}  // namespace

void Task::promise_type::unhandled_exception() noexcept {
  try {
    throw;
  } catch (const std::exception& e) {
    log(LogLevel::err, "uringfuse: an asynchronous handler threw: %s", e.what());
  } catch (...) {
    log(LogLevel::err, "uringfuse: an asynchronous handler threw a non-standard exception");
  }
}

Io Request::io() const noexcept { return slot ? Io(slot->io_queue, slot) : Io(); }

Io::Io(IoQueue* queue, RequestSlot* request) noexcept : queue_(queue), request_(request) {
  if (request_) request_->hold();
}

Io::Io(const Io& other) noexcept : Io(other.queue_, other.request_) {}

Io& Io::operator=(const Io& other) noexcept {
  if (this == &other) return *this;
  if (other.request_) other.request_->hold();
  if (request_) request_->release();
  queue_ = other.queue_;
  request_ = other.request_;
  return *this;
}

Io::~Io() {
  if (request_) request_->release();
}

IoOp Io::read(int fd, std::span<std::byte> buffer, std::uint64_t offset) const noexcept {
  return make(IoOp::Kind::read, {.fd = fd, .len = static_cast<std::uint32_t>(buffer.size()),
                                 .addr = reinterpret_cast<std::uintptr_t>(buffer.data()), .offset = offset});
}

IoOp Io::write(int fd, std::span<const std::byte> data, std::uint64_t offset) const noexcept {
  return make(IoOp::Kind::write, {.fd = fd, .len = static_cast<std::uint32_t>(data.size()),
                                  .addr = reinterpret_cast<std::uintptr_t>(data.data()), .offset = offset});
}

IoOp Io::fsync(int fd, bool datasync) const noexcept {
  return make(IoOp::Kind::fsync, {.fd = fd, .flags = datasync ? IORING_FSYNC_DATASYNC : 0u});
}

IoOp Io::statx(int dirfd, const char* path, int flags, unsigned mask, struct ::statx* out) const noexcept {
  return make(IoOp::Kind::statx, {.fd = dirfd, .mode = mask, .addr = reinterpret_cast<std::uintptr_t>(path),
                                  .addr2 = reinterpret_cast<std::uintptr_t>(out),
                                  .offset = static_cast<std::uint32_t>(flags)});
}

IoOp Io::openat(int dirfd, const char* path, int flags, mode_t mode) const noexcept {
  return make(IoOp::Kind::openat, {.fd = dirfd, .flags = static_cast<std::uint32_t>(flags), .mode = mode,
                                   .addr = reinterpret_cast<std::uintptr_t>(path)});
}

IoOp Io::close(int fd) const noexcept { return make(IoOp::Kind::close, {.fd = fd}); }

IoOp Io::recv(int fd, std::span<std::byte> buffer, int flags) const noexcept {
  return make(IoOp::Kind::recv, {.fd = fd, .len = static_cast<std::uint32_t>(buffer.size()),
                                 .flags = static_cast<std::uint32_t>(flags),
                                 .addr = reinterpret_cast<std::uintptr_t>(buffer.data())});
}

IoOp Io::send(int fd, std::span<const std::byte> data, int flags) const noexcept {
  return make(IoOp::Kind::send, {.fd = fd, .len = static_cast<std::uint32_t>(data.size()),
                                 .flags = static_cast<std::uint32_t>(flags | MSG_NOSIGNAL),
                                 .addr = reinterpret_cast<std::uintptr_t>(data.data())});
}

IoOp Io::timeout(std::chrono::nanoseconds duration) const noexcept {
  IoOp::Args a;
  const auto ns = std::max<std::int64_t>(duration.count(), 0);
  a.timeout.tv_sec = ns / 1'000'000'000;
  a.timeout.tv_nsec = ns % 1'000'000'000;
  return make(IoOp::Kind::timeout, a);
}

bool IoOp::await_ready() noexcept {
  if (cancellable() && cancelled_now(request_)) {
    result_ = -ECANCELED;
    return true;
  }
  if (queue_) return false;
  result_ = run_here();
  return true;
}

bool IoOp::await_suspend(std::coroutine_handle<> waiter) noexcept {
  waiter_ = waiter;
  const bool hooked = request_ && cancellable();
  if (hooked && !IoQueue::hook(*this)) {
    result_ = -ECANCELED;
    return false;
  }
  // From here the operation may complete, and the coroutine resume, on the ring's
  // thread at any moment: `this` is not touched after a successful start.
  return queue_->start(*this);
}

int IoOp::run_here() noexcept {
  const Args& a = args_;
  auto* buf = reinterpret_cast<void*>(static_cast<std::uintptr_t>(a.addr));
  switch (kind_) {
    case Kind::read:
      return retrying([&] { return ::pread(a.fd, buf, a.len, static_cast<off_t>(a.offset)); });
    case Kind::write:
      return retrying([&] { return ::pwrite(a.fd, buf, a.len, static_cast<off_t>(a.offset)); });
    case Kind::fsync:
      return retrying([&] { return (a.flags & IORING_FSYNC_DATASYNC) ? ::fdatasync(a.fd) : ::fsync(a.fd); });
    case Kind::statx:
      return retrying([&] {
        return ::statx(a.fd, static_cast<const char*>(buf), static_cast<int>(a.offset), a.mode,
                       reinterpret_cast<struct statx*>(static_cast<std::uintptr_t>(a.addr2)));
      });
    case Kind::openat:
      return retrying([&] { return ::openat(a.fd, static_cast<const char*>(buf), static_cast<int>(a.flags), a.mode); });
    case Kind::close:
      return ::close(a.fd) == 0 ? 0 : -errno;  // never retried: the descriptor is gone either way
    case Kind::recv:
      return retrying([&] { return ::recv(a.fd, buf, a.len, static_cast<int>(a.flags)); });
    case Kind::send:
      return retrying([&] { return ::send(a.fd, buf, a.len, static_cast<int>(a.flags)); });
    case Kind::timeout:
      break;
  }
  // A timeout waits on a futex an interrupt of the request can wake.
  if (request_ && !IoQueue::hook(*this)) return -ECANCELED;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout.tv_sec) +
                     std::chrono::nanoseconds(a.timeout.tv_nsec);
  for (auto now = std::chrono::steady_clock::now(); now < until && wake_.load(std::memory_order_acquire) == 0;
       now = std::chrono::steady_clock::now())
    detail::futex_wait(wake_, 0, until - now);
  if (request_) IoQueue::unhook(*this);
  return wake_.load(std::memory_order_acquire) ? -ECANCELED : 0;
}

}  // namespace uringfuse
