// The ring side of asynchronous backend I/O; see io_queue.hpp.
#include "async/io_queue.hpp"

#include <sched.h>

#include <cerrno>
#include <mutex>

#include "core/request_slot.hpp"
#include "support/futex.hpp"

namespace uringfuse {
namespace {

constexpr std::uint64_t kPointerBits = 48;  // x86-64 and arm64 user addresses
constexpr std::uint64_t kPointerMask = ((std::uint64_t{1} << kPointerBits) - 1) & ~IoQueue::kTagMask;

IoOp* op_of(std::uint64_t user_data) noexcept { return reinterpret_cast<IoOp*>(user_data & kPointerMask); }

// A list pushed newest first, turned around so operations are served in order.
IoOp* oldest_first(IoOp* newest, IoOp* IoOp::*link) noexcept {
  IoOp* out = nullptr;
  while (newest) {
    IoOp* next = newest->*link;
    newest->*link = out;
    out = newest;
    newest = next;
  }
  return out;
}

}  // namespace

bool IoQueue::push(std::atomic<IoOp*>& stack, IoOp& op, IoOp* IoOp::*link) noexcept {
  IoOp* head = stack.load(std::memory_order_relaxed);
  do {
    if (head == closed_mark()) return false;
    op.*link = head;
  } while (!stack.compare_exchange_weak(head, &op, std::memory_order_seq_cst, std::memory_order_relaxed));
  return true;
}

bool IoQueue::start(IoOp& op) noexcept {
  ring_.io_starting();
  started_.fetch_add(1, std::memory_order_relaxed);
  if (!closed_.load(std::memory_order_acquire) && ring_.begin_ring_access()) {
    prep(op);
    ring_.end_ring_access();
    return true;
  }
  if (push(handed_ops_, op, &IoOp::next_)) {
    ring_.io_handed_over();  // `op` may be finished already: not touched again
    return true;
  }
  op.result_ = -ECANCELED;
  // A cancellation queued before the close is still being looked at by close(),
  // which touches the operation: wait until it is done with it.
  if (op.request_ && op.cancellable()) {
    if (unhook(op))
      while (!close_done_.load(std::memory_order_acquire)) sched_yield();
  }
  return false;
}

void IoQueue::cancel(IoOp& op) noexcept {
  if (op.cancel_queued_) return;  // a second INTERRUPT of the same request
  op.cancel_queued_ = true;
  if (!push(handed_cancels_, op, &IoOp::next_cancel_)) {
    op.cancel_queued_ = false;  // closed: close() cancels everything in flight itself
    return;
  }
  ring_.io_handed_over();
}

void IoQueue::prep(IoOp& op) noexcept {
  op.submitted_ = true;
  if (op.cancel_first_) return finish(op, -ECANCELED);  // interrupted on its way here
  op.user_data_ = reinterpret_cast<std::uintptr_t>(&op) | kOpTag |
                  std::uint64_t{++sequence_} << kPointerBits;
  io_uring_sqe* sqe = ring_.io_sqe();
  const IoOp::Args& a = op.args_;
  auto* buf = reinterpret_cast<void*>(static_cast<std::uintptr_t>(a.addr));
  switch (op.kind_) {
    case IoOp::Kind::read:
      io_uring_prep_read(sqe, a.fd, buf, a.len, a.offset);
      break;
    case IoOp::Kind::write:
      io_uring_prep_write(sqe, a.fd, buf, a.len, a.offset);
      break;
    case IoOp::Kind::fsync:
      io_uring_prep_fsync(sqe, a.fd, a.flags);
      break;
    case IoOp::Kind::statx:
      io_uring_prep_statx(sqe, a.fd, static_cast<const char*>(buf), static_cast<int>(a.offset), a.mode,
                          reinterpret_cast<struct statx*>(static_cast<std::uintptr_t>(a.addr2)));
      break;
    case IoOp::Kind::openat:
      io_uring_prep_openat(sqe, a.fd, static_cast<const char*>(buf), static_cast<int>(a.flags), a.mode);
      break;
    case IoOp::Kind::close:
      io_uring_prep_close(sqe, a.fd);
      break;
    case IoOp::Kind::recv:
      io_uring_prep_recv(sqe, a.fd, buf, a.len, static_cast<int>(a.flags));
      break;
    case IoOp::Kind::send:
      io_uring_prep_send(sqe, a.fd, buf, a.len, static_cast<int>(a.flags));
      break;
    case IoOp::Kind::timeout:
      // __kernel_timespec is two 64-bit fields, as Args::timeout is.
      io_uring_prep_timeout(sqe, reinterpret_cast<__kernel_timespec*>(&op.args_.timeout), 0, 0);
      break;
  }
  io_uring_sqe_set_data64(sqe, op.user_data_);
  in_flight_.fetch_add(1, std::memory_order_relaxed);
}

void IoQueue::complete(std::uint64_t user_data, int res) noexcept {
  IoOp& op = *op_of(user_data);
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  completed_.fetch_add(1, std::memory_order_relaxed);
  if (op.kind_ == IoOp::Kind::timeout && res == -ETIME) res = 0;  // it ran its course
  finish(op, res);
}

void IoQueue::finish(IoOp& op, int result) noexcept {
  op.result_ = result;
  op.done_ = true;
  const bool cancel_pending = op.request_ && op.cancellable() && unhook(op);
  // A cancellation on its way would touch the operation: resume once it arrived.
  if (!cancel_pending || op.cancel_drained_) ready(op);
}

void IoQueue::ready(IoOp& op) noexcept {
  op.next_ = nullptr;
  if (ready_tail_)
    ready_tail_->next_ = &op;
  else
    ready_head_ = &op;
  ready_tail_ = &op;
}

std::coroutine_handle<> IoQueue::next_ready() noexcept {
  IoOp* op = ready_head_;
  if (!op) return {};
  ready_head_ = op->next_;
  if (!ready_head_) ready_tail_ = nullptr;
  return op->waiter_;
}

void IoQueue::drain_handovers() noexcept {
  if (closed_.load(std::memory_order_relaxed)) return;  // close() took the last of them
  for (IoOp* op = oldest_first(handed_ops_.exchange(nullptr, std::memory_order_seq_cst), &IoOp::next_);
       op;) {
    IoOp* next = op->next_;
    prep(*op);
    op = next;
  }
  take_cancels(handed_cancels_.exchange(nullptr, std::memory_order_seq_cst));
}

void IoQueue::take_cancels(IoOp* newest) noexcept {
  for (IoOp* op = oldest_first(newest, &IoOp::next_cancel_); op;) {
    IoOp* next = op->next_cancel_;
    op->cancel_drained_ = true;
    if (op->done_) {
      ready(*op);  // it finished first and waited for this
    } else if (op->submitted_) {
      io_uring_sqe* sqe = ring_.io_sqe();
      io_uring_prep_cancel64(sqe, op->user_data_, 0);
      io_uring_sqe_set_data64(sqe, kCancelTag);
    } else {
      op->cancel_first_ = true;  // its start() has not handed it over yet
    }
    op = next;
  }
}

void IoQueue::close() noexcept {
  closed_.store(true, std::memory_order_release);
  for (IoOp* op = oldest_first(handed_ops_.exchange(closed_mark(), std::memory_order_seq_cst), &IoOp::next_);
       op;) {
    IoOp* next = op->next_;
    op->submitted_ = true;
    finish(*op, -ECANCELED);
    op = next;
  }
  take_cancels(handed_cancels_.exchange(closed_mark(), std::memory_order_seq_cst));
  close_done_.store(true, std::memory_order_release);
  if (in_flight() == 0) return;
  io_uring_sqe* sqe = ring_.io_sqe();
  io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
  io_uring_sqe_set_data64(sqe, kCancelTag);
}

bool IoQueue::hook(IoOp& op) noexcept {
  RequestSlot& r = *op.request_;
  std::lock_guard lock(r.io_lock());
  if (r.interrupted.load(std::memory_order_acquire) && !r.answered.load(std::memory_order_acquire))
    return false;
  op.hook_prev_ = nullptr;
  op.hook_next_ = r.io_ops;
  if (r.io_ops) r.io_ops->hook_prev_ = &op;
  r.io_ops = &op;
  return true;
}

bool IoQueue::unhook(IoOp& op) noexcept {
  RequestSlot& r = *op.request_;
  std::lock_guard lock(r.io_lock());
  if (op.hook_prev_)
    op.hook_prev_->hook_next_ = op.hook_next_;
  else if (r.io_ops == &op)
    r.io_ops = op.hook_next_;
  if (op.hook_next_) op.hook_next_->hook_prev_ = op.hook_prev_;
  op.hook_prev_ = op.hook_next_ = nullptr;
  return op.cancel_queued_;
}

void IoQueue::interrupt_all(IoOp* ops) noexcept {
  for (IoOp* op = ops; op; op = op->hook_next_) {
    if (op->queue_) {
      op->queue_->cancel(*op);
    } else {  // a synchronous wait (a timeout off the ring)
      op->wake_.store(1, std::memory_order_release);
      detail::futex_wake(op->wake_, 1);
    }
  }
}

}  // namespace uringfuse
