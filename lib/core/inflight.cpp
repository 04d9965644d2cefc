// In-flight request tables and the parking of early interrupts.
#include "core/inflight.hpp"

#include <utility>


namespace uringfuse::detail {

void InflightTable::add(RequestSlot* r) {
  std::lock_guard lock(mutex_);
  r->prev = nullptr;
  r->next = head_;
  if (head_) head_->prev = r;
  head_ = r;
}

void InflightTable::remove(RequestSlot* r) {
  std::lock_guard lock(mutex_);
  if (r->prev)
    r->prev->next = r->next;
  else if (head_ == r)
    head_ = r->next;
  else
    return;  // not listed
  if (r->next) r->next->prev = r->prev;
  r->prev = r->next = nullptr;
}

bool InflightTable::interrupt(std::uint64_t unique) {
  std::lock_guard lock(mutex_);
  for (RequestSlot* r = head_; r; r = r->next) {
    if (r->unique == unique) {
      r->interrupt();
      return true;
    }
  }
  return false;
}

void InflightTable::interrupt_all() {
  std::lock_guard lock(mutex_);
  for (RequestSlot* r = head_; r; r = r->next) r->interrupt();
}

void InterruptRegistry::interrupt_everything() {
  for (auto& t : tables_) t->interrupt_all();
}

InterruptRegistry::InterruptRegistry(std::size_t queues) {
  for (std::size_t i = 0; i < std::max<std::size_t>(queues, 1); ++i)
    tables_.push_back(std::make_unique<InflightTable>());
}

void InterruptRegistry::begin(RequestSlot& slot, std::size_t queue, StaleInterrupt& stale) {
  stale = {};
  if (!enabled()) return;
  RequestSlot* r = &slot;
  r->table = tables_[queue % tables_.size()].get();
  r->table->add(r);
  // The lock-free count only skips the lock in the common case; what is parked is
  // decided under the lock (another request may have emptied the list meanwhile).
  if (parked_count_.load() == 0) return;  // seq_cst: pairs with interrupt()
  std::lock_guard lock(parked_mutex_);
  if (parked_.empty()) return;
  for (auto it = parked_.begin(); it != parked_.end(); ++it) {
    if (it->target == r->unique) {
      r->interrupt();
      parked_.erase(it);
      parked_count_.fetch_sub(1, std::memory_order_release);
      return;
    }
  }
  // Not ours. The oldest parked interrupt is stale once it waited stale_after_ for
  // its request (see kStaleAfter). One is handed back per new request at most.
  Parked& oldest = parked_.front();
  if (std::chrono::steady_clock::now() - oldest.parked_at < stale_after_) return;
  stale = {oldest.interrupt_unique, oldest.answer_on};
  parked_.pop_front();
  parked_count_.fetch_sub(1, std::memory_order_release);
}

InterruptOutcome InterruptRegistry::interrupt(std::uint64_t target, std::uint64_t interrupt_unique,
                                              ReplyTarget* answer_on) {
  for (auto& t : tables_)
    if (t->interrupt(target)) return InterruptOutcome::delivered;
  std::lock_guard lock(parked_mutex_);
  // Counted before the second look: a request that registers meanwhile either is
  // seen by the look (its table's mutex orders the two), or sees the count and waits
  // on this lock for the parked entry. Counting only after parking lost interrupts
  // whose request slipped in between (a 20 s hang over io_uring under a storm).
  parked_count_.fetch_add(1);
  for (auto& t : tables_) {
    if (t->interrupt(target)) {
      parked_count_.fetch_sub(1);
      return InterruptOutcome::delivered;
    }
  }
  parked_.push_back({target, interrupt_unique, answer_on, std::chrono::steady_clock::now()});
  return InterruptOutcome::parked;
}

}  // namespace uringfuse::detail
