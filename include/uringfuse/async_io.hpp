// Backend I/O for asynchronous handlers: `co_await io.read(fd, buf, off)` inside a
// Task (task.hpp). Over io_uring the operation is submitted on the ring of the queue
// that carried the request, the ring thread goes on serving other requests, and the
// coroutine resumes there when the operation completes: many requests in flight per
// ring thread, no thread of their own. Anywhere else (/dev/fuse, a handler's own
// thread) the operation runs synchronously on the calling thread, with the same
// results. doc/async.md has a worked example.
//
// Every operation gives an int: the syscall's result (bytes, a descriptor, 0), or a
// negative errno. An interrupt of the request (the caller got a signal) cancels what
// it is waiting for: the operation then gives -ECANCELED, and one started after the
// interrupt gives -ECANCELED at once. close() is never cancelled, nor is anything
// made through Io::uninterruptible().
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <fcntl.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <span>

struct statx;

namespace uringfuse {

class IoQueue;      // the ring a request came through (the library's own)
class RequestSlot;  // the transport's record of the request (the library's own)

// One operation, to be co_awaited once, where it was made. Not copyable, not movable:
// while it waits, the ring holds its address.
class IoOp {
 public:
  IoOp(const IoOp&) = delete;
  IoOp& operator=(const IoOp&) = delete;
  ~IoOp() = default;

  bool await_ready() noexcept;
  bool await_suspend(std::coroutine_handle<> waiter) noexcept;
  int await_resume() const noexcept { return result_; }

 private:
  friend class Io;
  friend class IoQueue;
  enum class Kind : std::uint8_t { read, write, fsync, statx, openat, close, recv, send, timeout };
  // What to do.
  struct Args {
    int fd = -1;
    std::uint32_t len = 0;
    std::uint32_t flags = 0;
    std::uint32_t mode = 0;
    std::uint64_t addr = 0;   // buffer, or path
    std::uint64_t addr2 = 0;  // statx: where the answer goes
    std::uint64_t offset = 0;
    struct {
      std::int64_t tv_sec;
      long long tv_nsec;
    } timeout{};  // the kernel's __kernel_timespec
  };
  IoOp(Kind kind, const Args& args, IoQueue* queue, RequestSlot* request) noexcept
      : kind_(kind), args_(args), queue_(queue), request_(request) {}

  int run_here() noexcept;  // the synchronous form
  bool cancellable() const noexcept { return kind_ != Kind::close; }

  Kind kind_;
  Args args_;
  // Where.
  IoQueue* queue_;
  RequestSlot* request_;
  // How it went. The ring's bookkeeping is touched only by the thread leading it.
  std::coroutine_handle<> waiter_;
  int result_ = 0;
  std::uint64_t user_data_ = 0;
  bool submitted_ = false, done_ = false, cancel_drained_ = false, cancel_first_ = false;
  bool cancel_queued_ = false;  // under the request's lock
  IoOp* next_ = nullptr;        // the ring's hand-over and ready lists
  IoOp* next_cancel_ = nullptr;
  IoOp* hook_prev_ = nullptr;  // the request's list of operations to cancel
  IoOp* hook_next_ = nullptr;
  std::atomic<std::uint32_t> wake_{0};  // a synchronous timeout's wake-up
};

// A request's handle for backend I/O: take it with Request::io() inside the handler
// call and keep it in the coroutine (it holds what cancellation needs; the Request
// itself is gone once the handler returns). Cheap to copy.
class Io {
 public:
  Io() noexcept = default;  // no ring: every operation runs on the calling thread
  Io(IoQueue* queue, RequestSlot* request) noexcept;
  Io(const Io& other) noexcept;
  Io& operator=(const Io& other) noexcept;
  ~Io();

  // True when operations go through an io_uring queue (they may complete later).
  bool on_ring() const noexcept { return queue_ != nullptr; }
  // The same queue, but interrupts cancel nothing made through it: for I/O that
  // must finish once started, as a write to a local file does in write(2).
  Io uninterruptible() const noexcept { return Io(queue_, nullptr); }

  IoOp read(int fd, std::span<std::byte> buffer, std::uint64_t offset) const noexcept;
  IoOp write(int fd, std::span<const std::byte> data, std::uint64_t offset) const noexcept;
  IoOp fsync(int fd, bool datasync = false) const noexcept;
  IoOp statx(int dirfd, const char* path, int flags, unsigned mask, struct ::statx* out) const noexcept;
  IoOp openat(int dirfd, const char* path, int flags, mode_t mode = 0) const noexcept;
  IoOp close(int fd) const noexcept;
  // Sockets (and pipes): what recv(2)/send(2) do.
  IoOp recv(int fd, std::span<std::byte> buffer, int flags = 0) const noexcept;
  IoOp send(int fd, std::span<const std::byte> data, int flags = 0) const noexcept;
  // Waits `duration`: 0 once it has passed, -ECANCELED when interrupted first.
  IoOp timeout(std::chrono::nanoseconds duration) const noexcept;

 private:
  IoOp make(IoOp::Kind kind, const IoOp::Args& args) const noexcept {
    return IoOp(kind, args, queue_, request_);
  }
  IoQueue* queue_ = nullptr;
  RequestSlot* request_ = nullptr;
};

}  // namespace uringfuse
