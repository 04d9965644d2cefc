// Request slots: their interrupt state, their holders, and the pools they come from.
#include "core/request_slot.hpp"

#include <utility>

#include "async/io_queue.hpp"
#include "core/inflight.hpp"
#include "uringfuse/log.hpp"
#include "uringfuse/request.hpp"

namespace uringfuse {

bool Request::interrupted() const noexcept {
  return slot && slot->interrupted.load(std::memory_order_acquire);
}

std::stop_token Request::stop_token() const { return slot ? slot->token() : std::stop_token{}; }

void RequestSlot::interrupt() {
  interrupted.store(true, std::memory_order_release);
  std::lock_guard lock(mutex_);
  if (stop_) stop_->request_stop();
  IoQueue::interrupt_all(io_ops);
}

std::stop_token RequestSlot::token() {
  std::lock_guard lock(mutex_);
  if (!stop_) {
    stop_.emplace();
    if (interrupted.load(std::memory_order_acquire)) stop_->request_stop();
  }
  return stop_->get_token();
}

void RequestSlot::reset() noexcept {
  target = nullptr;
  io_queue = nullptr;
  unique = 0;
  opcode = 0;
  max_size = 0;
  trace = detail::Trace::off;
  gate = {};
  interrupted.store(false, std::memory_order_relaxed);
  answered.store(false, std::memory_order_relaxed);
  io_ops = nullptr;
  table = nullptr;
  prev = next = nullptr;
  stop_.reset();
}

void RequestSlot::release() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Still listed means its reply never ran (slot_replied unlists): a bug in the core.
  // The table may be gone with its session, so it is not touched.
  if (table)
    log(LogLevel::err, "uringfuse: request #%llu let go while listed for interrupts",
        static_cast<unsigned long long>(unique));
  pool_->give(this);
}

namespace detail {

void slot_replied(RequestSlot* slot) noexcept {
  slot->answered.store(true, std::memory_order_release);
  if (InflightTable* t = std::exchange(slot->table, nullptr)) t->remove(slot);
  slot->release();
}

SlotPool::~SlotPool() = default;

RequestSlot* SlotPool::take() {
  RequestSlot* slot = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = all_.emplace_back(std::make_unique<RequestSlot>()).get();
      slot->pool_ = this;
      free_.reserve(all_.size());  // so that give(), which must not throw, never grows it
    }
  }
  refs_.fetch_add(1, std::memory_order_relaxed);
  slot->refs_.store(1, std::memory_order_relaxed);
  return slot;
}

void SlotPool::give(RequestSlot* slot) noexcept {
  slot->reset();
  {
    std::lock_guard lock(mutex_);
    free_.push_back(slot);  // never grows past all_, which already holds room for it
  }
  drop();
}

void SlotPool::retire() noexcept { drop(); }

void SlotPool::drop() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

RequestSlot& OwnedSlot::next(SlotPool& pool) {
  if (slot_ && slot_->sole_holder()) {
    slot_->reset();
    return *slot_;
  }
  if (slot_) slot_->release();
  slot_ = pool.take();
  return *slot_;
}

}  // namespace detail
}  // namespace uringfuse
