// Interrupt bookkeeping: every request that expects a reply is findable by its
// unique id from the thread that reads FUSE_INTERRUPT, whichever queue carried it.
// Tables are per transport queue (no global lock on the hot path); an interrupt that
// overtakes its request is parked until the request shows up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "core/request_slot.hpp"
#include "uringfuse/reply_target.hpp"

namespace uringfuse::detail {

class InflightTable;

class InflightTable {
 public:
  void add(RequestSlot* r);
  void remove(RequestSlot* r);
  bool interrupt(std::uint64_t unique);
  void interrupt_all();

 private:
  std::mutex mutex_;
  RequestSlot* head_ = nullptr;
};

enum class InterruptOutcome { delivered, parked };

// A parked interrupt whose request never showed up: it is answered EAGAIN on
// /dev/fuse (never on a ring entry, which belongs to the request being served), so
// that the kernel resends it if it still cares.
struct StaleInterrupt {
  std::uint64_t interrupt_unique = 0;  // 0: none
  ReplyTarget* answer_on = nullptr;
};

class InterruptRegistry {
 public:
  // How long a parked interrupt waits for its request before it counts as stale. The
  // kernel sends an INTERRUPT only for a request this daemon has already been handed,
  // so a parked one's request is either answered (the reply raced the INTERRUPT) or
  // about to be registered by a ring thread that has not reached its completion yet,
  // which under load can take milliseconds; counting requests that went by instead
  // lost interrupts (a 20 s hang in the torture suite).
  static constexpr std::chrono::milliseconds kStaleAfter{1000};
  void set_stale_after(std::chrono::milliseconds d) { stale_after_ = d; }  // for tests

  explicit InterruptRegistry(std::size_t queues = 1);
  // Lists the request in `slot` (its unique already set) on `queue`'s table, unless
  // interrupts are off. A `stale` with a non-zero unique is a parked interrupt that
  // should now be answered EAGAIN on its own target so the kernel resends it or
  // forgets it. The reply unlists it (slot_replied).
  void begin(RequestSlot& slot, std::size_t queue, StaleInterrupt& stale);
  // `answer_on` is where a stale one is answered later: the session fd's target, which
  // lives as long as the registry (a per-request target may be gone by then).
  InterruptOutcome interrupt(std::uint64_t target_unique, std::uint64_t interrupt_unique,
                             ReplyTarget* answer_on);
  // The session ends with requests still in handlers: every one counts as
  // interrupted, so the backend I/O their coroutines wait on is cancelled and they
  // can finish (a worker waiting on a 30 s timeout would hold up the join).
  void interrupt_everything();
  std::size_t parked() const { return parked_count_.load(std::memory_order_acquire); }
  void set_enabled(bool on) { enabled_.store(on, std::memory_order_relaxed); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> enabled_{true};
  std::vector<std::unique_ptr<InflightTable>> tables_;
  struct Parked {
    std::uint64_t target, interrupt_unique;
    ReplyTarget* answer_on;
    std::chrono::steady_clock::time_point parked_at;
  };
  std::chrono::milliseconds stale_after_ = kStaleAfter;
  std::mutex parked_mutex_;
  std::deque<Parked> parked_;
  std::atomic<std::size_t> parked_count_{0};
};

}  // namespace uringfuse::detail
