#include "transport/uring/ring_leadership.hpp"

#include "support/futex.hpp"

namespace uringfuse::detail {

bool RingLeadership::in_inline_handler(Ticket word) noexcept {
  State s = state_of(word);
  return s == kHandler || s == kHandlerRing;
}

bool RingLeadership::try_lead() noexcept {
  Ticket w = word_.load(std::memory_order_relaxed);
  while (state_of(w) == kFree) {
    if (word_.compare_exchange_weak(w, make(kLoop, sequence(w)), std::memory_order_acquire,
                                    std::memory_order_relaxed))
      return true;
  }
  return false;
}

RingLeadership::Ticket RingLeadership::enter_inline() noexcept {
  // Only the leader writes a word in the loop state, so a plain store will do: one
  // that publishes what the leader did to the ring to a standby that steals, and
  // seq_cst because a sleeping standby is woken by what follows (ServeGroup).
  Ticket t = make(kHandler, sequence(word_.load(std::memory_order_relaxed)) + 1);
  word_.store(t, std::memory_order_seq_cst);
  return t;
}

bool RingLeadership::leave_inline(Ticket ticket) noexcept {
  Ticket expected = ticket;
  return word_.compare_exchange_strong(expected, make(kLoop, sequence(ticket)), std::memory_order_acq_rel,
                                       std::memory_order_relaxed);
}

bool RingLeadership::begin_ring_access(Ticket ticket) noexcept {
  Ticket expected = ticket;
  return word_.compare_exchange_strong(expected, make(kHandlerRing, sequence(ticket)),
                                       std::memory_order_acquire, std::memory_order_relaxed);
}

void RingLeadership::end_ring_access(Ticket ticket) noexcept {
  // Nobody else changes a word in the ring-access state.
  word_.store(ticket, std::memory_order_release);
}

bool RingLeadership::release() noexcept {
  // seq_cst, paired with park(): either the follower sees the lead free, or this
  // sees the follower parked and wakes it.
  word_.store(make(kFree, sequence(word_.load(std::memory_order_relaxed)) + 1), std::memory_order_seq_cst);
  return wake_one();
}

bool RingLeadership::steal(Ticket ticket, bool* woke) noexcept {
  if (state_of(ticket) != kHandler) return false;
  Ticket expected = ticket;
  if (!word_.compare_exchange_strong(expected, make(kFree, sequence(ticket) + 1), std::memory_order_seq_cst,
                                     std::memory_order_relaxed))
    return false;
  bool w = wake_one();
  if (woke) *woke = w;
  return true;
}

bool RingLeadership::wake_one() noexcept {
  if (parked_.load(std::memory_order_seq_cst) == 0) return false;
  wake_seq_.fetch_add(1, std::memory_order_seq_cst);
  futex_wake(wake_seq_, 1);
  return true;
}

void RingLeadership::park() noexcept {
  std::uint32_t seen = wake_seq_.load(std::memory_order_seq_cst);
  parked_.fetch_add(1, std::memory_order_seq_cst);
  // seq_cst with close(): a follower that parks after close() began sees closed_ here
  // or the wake counter it bumped, and does not sleep through the end of the group.
  if (state_of(word_.load(std::memory_order_seq_cst)) != kFree && !closed_.load(std::memory_order_seq_cst))
    futex_wait(wake_seq_, seen);
  parked_.fetch_sub(1, std::memory_order_seq_cst);
}

void RingLeadership::close() noexcept {
  closed_.store(true, std::memory_order_seq_cst);
  wake_seq_.fetch_add(1, std::memory_order_seq_cst);
  futex_wake(wake_seq_, 1 << 30);
}

}  // namespace uringfuse::detail
