// Who may touch a ring: the leader/follower token of one serving group (a thread's
// rings, usually one). A ring has a single issuer at a time, but handlers may block,
// so the issuer is not a fixed thread: whoever holds the lead runs the ring loop, and
// the lead moves when a handler would hold it up.
//
//        try_lead                 enter_inline            begin_ring_access
//   free ---------> loop  ---------------------> handler ------------------> handler+ring
//    ^  <---------    |   <---------------------   | ^   <------------------
//    |    release     |        leave_inline        | |     end_ring_access
//    +----------------+----------------------------+ |
//         steal (a standby, from a handler that has held the lead too long)
//
// One 64-bit word holds the state and a sequence number that grows on every
// release, every inline handler and every steal, so a ticket (the word an inline
// handler started with) names one handler run only: a leader whose lead was stolen
// fails every later CAS made with its ticket and learns that it is a follower now.
// Followers park on a futex until the lead is free. A pure class: unit tests drive
// it with plain threads (test/unit/ring_leadership_test.cpp).
#pragma once

#include <atomic>
#include <cstdint>

namespace uringfuse::detail {

class RingLeadership {
 public:
  using Ticket = std::uint64_t;

  // Any thread: take the lead if nobody holds it.
  bool try_lead() noexcept;
  // The leader, before it runs a handler on its own thread; the ticket names the run.
  Ticket enter_inline() noexcept;
  // The leader, back from that handler: false when the lead was stolen meanwhile
  // (the caller is a follower now and must not touch the ring).
  bool leave_inline(Ticket ticket) noexcept;
  // The leader inside an inline handler, about to touch the ring (to commit a reply):
  // false when the lead is gone. A standby cannot steal between the two calls.
  bool begin_ring_access(Ticket ticket) noexcept;
  void end_ring_access(Ticket ticket) noexcept;
  // The leader gives the lead up (before a handler that may block, or to stop); true
  // when a parked follower was woken to take it, false when none was parked (the
  // caller may start one).
  bool release() noexcept;
  // A standby: takes the lead away from the inline handler run `ticket` if it is
  // still running and not touching the ring; the lead becomes free and a parked
  // follower is woken as by release(). False when the run ended or the lead moved.
  bool steal(Ticket ticket, bool* woke = nullptr) noexcept;

  // A follower: sleeps until the lead may be free (or close()); returns at once if
  // it is free now or closed. Spurious returns are allowed: callers loop on try_lead().
  void park() noexcept;
  // Wakes every parked follower and keeps new ones from sleeping: the group ends.
  void close() noexcept;

  // What a standby watches: the whole word.
  Ticket observe() const noexcept { return word_.load(std::memory_order_acquire); }
  static bool in_inline_handler(Ticket word) noexcept;
  static std::uint64_t sequence(Ticket word) noexcept { return word >> kStateBits; }
  unsigned parked() const noexcept { return parked_.load(std::memory_order_acquire); }

 private:
  enum State : std::uint64_t { kFree = 0, kLoop = 1, kHandler = 2, kHandlerRing = 3 };
  static constexpr unsigned kStateBits = 2;
  static constexpr std::uint64_t kStateMask = (1u << kStateBits) - 1;
  static Ticket make(State state, std::uint64_t seq) noexcept { return seq << kStateBits | state; }
  static State state_of(Ticket word) noexcept { return static_cast<State>(word & kStateMask); }
  bool wake_one() noexcept;

  std::atomic<Ticket> word_{make(kFree, 0)};
  std::atomic<std::uint32_t> wake_seq_{0};  // the futex followers park on
  std::atomic<unsigned> parked_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace uringfuse::detail
