// In-flight request tables and the parking of early interrupts.
#include "dispatch/inflight.hpp"

#include "uringfuse/request.hpp"

namespace uringfuse {

bool Request::interrupted() const noexcept {
  return inflight && inflight->interrupted.load(std::memory_order_acquire);
}

std::stop_token Request::stop_token() const {
  return inflight ? inflight->token() : std::stop_token{};
}

namespace detail {

void InflightRequest::interrupt() {
  interrupted.store(true, std::memory_order_release);
  std::lock_guard lock(mutex_);
  if (stop_) stop_->request_stop();
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
  requests_[r->unique] = r;
}

void InflightTable::remove(InflightRequest* r) {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(r->unique);
  if (it != requests_.end() && it->second == r) requests_.erase(it);
}

bool InflightTable::interrupt(std::uint64_t unique) {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(unique);
  if (it == requests_.end()) return false;
  it->second->interrupt();
  return true;
}

InterruptRegistry::InterruptRegistry(std::size_t queues) {
  for (std::size_t i = 0; i < std::max<std::size_t>(queues, 1); ++i)
    tables_.push_back(std::make_unique<InflightTable>());
}

InflightRequest* InterruptRegistry::begin(std::size_t queue, std::uint64_t unique,
                                          std::uint64_t& stale) {
  stale = 0;
  if (!enabled()) return nullptr;
  auto* r = new InflightRequest;
  r->unique = unique;
  r->table = tables_[queue % tables_.size()].get();
  r->table->add(r);
  if (parked_count_.load(std::memory_order_acquire) == 0) return r;
  std::lock_guard lock(parked_mutex_);
  for (auto it = parked_.begin(); it != parked_.end(); ++it) {
    if (it->target == unique) {
      r->interrupt();
      parked_.erase(it);
      parked_count_.fetch_sub(1);
      return r;
    }
  }
  // Not ours: one stale parked interrupt is handed back per new request.
  stale = parked_.front().interrupt_unique;
  parked_.pop_front();
  parked_count_.fetch_sub(1);
  return r;
}

void InterruptRegistry::replied(InflightRequest* r) {
  if (!r) return;
  r->table->remove(r);
  release(r);
}

void InterruptRegistry::release(InflightRequest* r) {
  if (r && r->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete r;
}

InterruptOutcome InterruptRegistry::interrupt(std::uint64_t target, std::uint64_t interrupt_unique) {
  for (auto& t : tables_)
    if (t->interrupt(target)) return InterruptOutcome::delivered;
  std::lock_guard lock(parked_mutex_);
  // Look again under the parking lock? A request registering right now checks the
  // parked list after adding itself, so parking after a miss cannot lose it.
  for (auto& t : tables_)
    if (t->interrupt(target)) return InterruptOutcome::delivered;
  parked_.push_back({target, interrupt_unique});
  parked_count_.fetch_add(1, std::memory_order_release);
  return InterruptOutcome::parked;
}

}  // namespace detail
}  // namespace uringfuse
