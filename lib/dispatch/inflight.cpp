// In-flight request tables and the parking of early interrupts.
#include "dispatch/inflight.hpp"

#include <utility>

#include "async/io_queue.hpp"
#include "uringfuse/request.hpp"

namespace uringfuse {

bool Request::interrupted() const noexcept {
  return inflight && inflight->interrupted.load(std::memory_order_acquire);
}

std::stop_token Request::stop_token() const {
  return inflight ? inflight->token() : std::stop_token{};
}

namespace detail {
namespace {

// Recycled entries, per thread: a request's entry is made and dropped on every
// request, usually by the same thread; malloc and free showed in the profile. A reply
// sent from another thread leaves its entry in that thread's cache. Bounded, and freed
// when the thread ends.
class InflightCache {
 public:
  ~InflightCache() {
    while (head_) delete std::exchange(head_, head_->next);
  }
  InflightRequest* take() {
    if (!head_) return new InflightRequest;
    --count_;
    return std::exchange(head_, head_->next);
  }
  void give(InflightRequest* r) {
    if (count_ >= kMax) return delete r;
    r->reset();
    r->next = head_;
    head_ = r;
    ++count_;
  }

 private:
  static constexpr unsigned kMax = 64;
  InflightRequest* head_ = nullptr;
  unsigned count_ = 0;
};

thread_local InflightCache t_cache;

}  // namespace

void InflightRequest::reset() {
  unique = 0;
  table = nullptr;
  interrupted.store(false, std::memory_order_relaxed);
  answered.store(false, std::memory_order_relaxed);
  io_ops = nullptr;
  refs.store(2, std::memory_order_relaxed);
  prev = next = nullptr;
  stop_.reset();
}

void InflightRequest::interrupt() {
  interrupted.store(true, std::memory_order_release);
  std::lock_guard lock(mutex_);
  if (stop_) stop_->request_stop();
  IoQueue::interrupt_all(io_ops);
}

std::stop_token InflightRequest::token() {
  std::lock_guard lock(mutex_);
  if (!stop_) {
    stop_.emplace();
    if (interrupted.load(std::memory_order_acquire)) stop_->request_stop();
  }
  return stop_->get_token();
}

void InflightTable::add(InflightRequest* r) {
  std::lock_guard lock(mutex_);
  r->prev = nullptr;
  r->next = head_;
  if (head_) head_->prev = r;
  head_ = r;
}

void InflightTable::remove(InflightRequest* r) {
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
  for (InflightRequest* r = head_; r; r = r->next) {
    if (r->unique == unique) {
      r->interrupt();
      return true;
    }
  }
  return false;
}

void InflightTable::interrupt_all() {
  std::lock_guard lock(mutex_);
  for (InflightRequest* r = head_; r; r = r->next) r->interrupt();
}

void InterruptRegistry::interrupt_everything() {
  for (auto& t : tables_) t->interrupt_all();
}

InterruptRegistry::InterruptRegistry(std::size_t queues) {
  for (std::size_t i = 0; i < std::max<std::size_t>(queues, 1); ++i)
    tables_.push_back(std::make_unique<InflightTable>());
}

InflightRequest* InterruptRegistry::begin(std::size_t queue, std::uint64_t unique,
                                          StaleInterrupt& stale) {
  stale = {};
  if (!enabled()) return nullptr;
  auto* r = t_cache.take();
  r->unique = unique;
  r->table = tables_[queue % tables_.size()].get();
  r->table->add(r);
  // The lock-free count only skips the lock in the common case; what is parked is
  // decided under the lock (another request may have emptied the list meanwhile).
  if (parked_count_.load() == 0) return r;  // seq_cst: pairs with interrupt()
  std::lock_guard lock(parked_mutex_);
  if (parked_.empty()) return r;
  for (auto it = parked_.begin(); it != parked_.end(); ++it) {
    if (it->target == unique) {
      r->interrupt();
      parked_.erase(it);
      parked_count_.fetch_sub(1, std::memory_order_release);
      return r;
    }
  }
  // Not ours. The oldest parked interrupt is stale once it waited stale_after_ for
  // its request (see kStaleAfter). One is handed back per new request at most.
  Parked& oldest = parked_.front();
  if (std::chrono::steady_clock::now() - oldest.parked_at < stale_after_) return r;
  stale = {oldest.interrupt_unique, oldest.answer_on};
  parked_.pop_front();
  parked_count_.fetch_sub(1, std::memory_order_release);
  return r;
}

void InterruptRegistry::replied(InflightRequest* r) {
  if (!r) return;
  r->answered.store(true, std::memory_order_release);
  r->table->remove(r);
  release(r);
}

void InterruptRegistry::release(InflightRequest* r) {
  if (r && r->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) t_cache.give(r);
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

}  // namespace detail
}  // namespace uringfuse
