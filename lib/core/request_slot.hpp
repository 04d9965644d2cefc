// One request's record, from the transport that read it to the reply that answers it.
// The transport owns it (a ring entry, a /dev/fuse reader) and fills in where the
// reply goes; the protocol core fills in which request it is; the reply object, the
// Request a handler sees and every Io handle point to it. Nothing is copied into the
// reply, and nothing about the current request lives in a thread-local.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "core/reply_gate.hpp"
#include "core/trace_mode.hpp"
#include "uringfuse/reply_target.hpp"

namespace uringfuse {

class IoOp;
class IoQueue;

namespace detail {
class InflightTable;
class SlotPool;
}  // namespace detail

class RequestSlot {
 public:
  RequestSlot() = default;
  RequestSlot(const RequestSlot&) = delete;
  RequestSlot& operator=(const RequestSlot&) = delete;

  // The transport's part: where the reply goes and where backend I/O is submitted.
  ReplyTarget* target = nullptr;
  IoQueue* io_queue = nullptr;  // null: the handler's thread runs it

  // The protocol core's part: which request this is.
  std::uint64_t unique = 0;
  std::uint32_t opcode = 0;
  std::uint32_t max_size = 0;  // READ/READDIR: the most body bytes the kernel accepts
  detail::Trace trace = detail::Trace::off;  // the -d trace of its reply (debug_trace.hpp)
  detail::GateTicket gate;

  // Interrupts: set once FUSE_INTERRUPT names this request.
  std::atomic<bool> interrupted{false};
  std::atomic<bool> answered{false};  // the reply is out: an interrupt means nothing now
  // Backend operations an interrupt cancels (guarded by io_lock()).
  IoOp* io_ops = nullptr;
  std::mutex& io_lock() { return mutex_; }
  // The interrupt table that lists it while it waits for its reply (null: unlisted),
  // and its links there (guarded by the table's mutex).
  detail::InflightTable* table = nullptr;
  RequestSlot* prev = nullptr;
  RequestSlot* next = nullptr;

  void interrupt();
  std::stop_token token();

  // Holders: the transport (for the request's dispatch), the reply, each Io handle.
  // The last one to let go hands the slot back to its pool.
  void hold() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept;
  // Only the caller holds it: it may be filled for another request.
  bool sole_holder() const noexcept { return refs_.load(std::memory_order_acquire) == 1; }
  // Back to a fresh slot for the next request (the caller is its sole holder).
  void reset() noexcept;

 private:
  friend class detail::SlotPool;
  std::atomic<int> refs_{0};
  detail::SlotPool* pool_ = nullptr;
  std::mutex mutex_;
  std::optional<std::stop_source> stop_;  // made only when a handler asks for a token
};

namespace detail {

// The reply is out: the slot leaves its interrupt table and the reply lets go of it.
void slot_replied(RequestSlot* slot) noexcept;

// Where a transport's slots come from and go back to. It outlives its owner while any
// slot is still held (a reply kept past the session), and frees itself after the last.
class SlotPool {
 public:
  struct Retire {
    void operator()(SlotPool* pool) const noexcept { pool->retire(); }
  };
  using Handle = std::unique_ptr<SlotPool, Retire>;
  static Handle make() { return Handle(new SlotPool); }

  // A fresh slot with one holder: the caller. Any thread.
  RequestSlot* take();

 private:
  friend class uringfuse::RequestSlot;
  SlotPool() = default;
  ~SlotPool();
  void give(RequestSlot* slot) noexcept;
  void retire() noexcept;  // the owner is done with it
  void drop() noexcept;
  std::mutex mutex_;
  std::vector<RequestSlot*> free_;
  std::vector<std::unique_ptr<RequestSlot>> all_;
  std::atomic<std::size_t> refs_{1};  // the owner and every slot held out
};

// The slot a ring entry or a /dev/fuse reader fills for each request it reads: the
// same one again whenever the previous request has let go of it (the usual case, no
// pool traffic), a fresh one from the pool when a reply or a coroutine still holds it.
class OwnedSlot {
 public:
  OwnedSlot() = default;
  OwnedSlot(const OwnedSlot&) = delete;
  OwnedSlot& operator=(const OwnedSlot&) = delete;
  ~OwnedSlot() {
    if (slot_) slot_->release();
  }
  // A clean slot for the next request, `pool`'s when a new one is needed.
  RequestSlot& next(SlotPool& pool);

 private:
  RequestSlot* slot_ = nullptr;
};

}  // namespace detail
}  // namespace uringfuse
