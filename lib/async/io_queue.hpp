// The ring side of asynchronous backend I/O (uringfuse/async_io.hpp): one per ring
// queue. Operations started by the thread that leads the ring go straight into its
// submission queue; from any other thread (a handed-on handler, a reply worker)
// they are handed over through a lock-free stack, as foreign replies are. An
// interrupt hands over a cancellation the same way. Completions resume coroutines on
// the leading thread, one at a time, like handler runs.
//
// An operation's user_data is its address, tagged kOpTag in the low bits and a
// sequence number in the top 16, so an ASYNC_CANCEL names one submission only.
#pragma once

#include <liburing.h>

#include <atomic>
#include <coroutine>
#include <cstdint>

#include "uringfuse/async_io.hpp"

namespace uringfuse {

namespace detail {

// What an IoQueue needs from its ring (RingQueue; a fake in unit tests).
class IoRing {
 public:
  virtual ~IoRing() = default;
  // True when this thread may touch the ring now; then end_ring_access() follows.
  virtual bool begin_ring_access() noexcept = 0;
  virtual void end_ring_access() noexcept = 0;
  virtual io_uring_sqe* io_sqe() noexcept = 0;  // a free SQE (flushes when full)
  // Something was handed over: wake the leader if it may be asleep.
  virtual void io_handed_over() noexcept = 0;
  // An operation is about to start, on the thread running its coroutine: the ring
  // times how long a handler ran before it first awaited.
  virtual void io_starting() noexcept {}
};

}  // namespace detail

class IoQueue {
 public:
  // Tags in the low bits of user_data; entries (8-aligned addresses) have none, and
  // the ring's wake-up poll is user_data 1.
  static constexpr std::uint64_t kTagMask = 7, kOpTag = 2, kCancelTag = 3;

  explicit IoQueue(detail::IoRing& ring) : ring_(ring) {}
  IoQueue(const IoQueue&) = delete;
  IoQueue& operator=(const IoQueue&) = delete;

  // IoOp::await_suspend, on the thread running the coroutine: false when the queue is
  // closed (the operation has its -ECANCELED and the coroutine goes on at once).
  bool start(IoOp& op) noexcept;
  // An interrupt reached the operation's request: from the thread that read it,
  // under the request's lock.
  void cancel(IoOp& op) noexcept;

  // ---- on the thread leading the ring -------------------------------------------
  bool handovers_waiting() const noexcept {
    return handed_ops_.load(std::memory_order_relaxed) || handed_cancels_.load(std::memory_order_relaxed);
  }
  void drain_handovers() noexcept;
  static bool is_op(std::uint64_t user_data) noexcept { return (user_data & kTagMask) == kOpTag; }
  static bool is_cancel(std::uint64_t user_data) noexcept { return (user_data & kTagMask) == kCancelTag; }
  void complete(std::uint64_t user_data, int res) noexcept;
  // The next coroutine whose operation is over, or null.
  std::coroutine_handle<> next_ready() noexcept;
  bool has_ready() const noexcept { return ready_head_ != nullptr; }
  // Teardown: no more operations start (they give -ECANCELED), everything submitted is
  // cancelled. The caller then keeps completing until in_flight() is 0.
  void close() noexcept;
  std::size_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
  std::uint64_t completed() const noexcept { return completed_.load(std::memory_order_relaxed); }
  // Operations this thread or others started so far (any thread may read it).
  std::uint64_t started() const noexcept { return started_.load(std::memory_order_relaxed); }

  // ---- for IoOp and the interrupt path (they reach IoOp's private parts here) ----
  // Lists `op` with its request for cancellation; false when the request was already
  // interrupted (and not yet answered): the operation must not start.
  static bool hook(IoOp& op) noexcept;
  // Off the request's list; true when a cancellation was queued for it meanwhile.
  static bool unhook(IoOp& op) noexcept;
  // Under the request's lock: every listed operation of an interrupted request.
  static void interrupt_all(IoOp* ops) noexcept;
  static int run_here(IoOp& op) noexcept { return op.run_here(); }

 private:
  void prep(IoOp& op) noexcept;
  void finish(IoOp& op, int result) noexcept;  // on the leader: resumable, or waits for its cancel
  void ready(IoOp& op) noexcept;
  void take_cancels(IoOp* newest) noexcept;
  static IoOp* closed_mark() noexcept { return reinterpret_cast<IoOp*>(std::uintptr_t{1}); }
  // Pushes onto a hand-over stack; false once it is closed.
  static bool push(std::atomic<IoOp*>& stack, IoOp& op, IoOp* IoOp::*link) noexcept;

  detail::IoRing& ring_;
  std::atomic<IoOp*> handed_ops_{nullptr};
  std::atomic<IoOp*> handed_cancels_{nullptr};
  std::atomic<bool> closed_{false};
  std::atomic<bool> close_done_{false};  // close() is done with the cancellations it took
  IoOp* ready_head_ = nullptr;  // leader only: resumable, oldest first
  IoOp* ready_tail_ = nullptr;
  std::uint16_t sequence_ = 0;
  std::atomic<std::size_t> in_flight_{0};  // written by the leader only
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> started_{0};
};

}  // namespace uringfuse
