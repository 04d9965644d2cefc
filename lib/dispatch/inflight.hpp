// Interrupt bookkeeping: every request that expects a reply is findable by its
// unique id from the thread that reads FUSE_INTERRUPT, whichever queue carried it.
// Tables are per transport queue (no global lock on the hot path); an interrupt that
// overtakes its request is parked until the request shows up.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

namespace uringfuse::detail {

class InflightTable;

}  // namespace uringfuse::detail

namespace uringfuse::detail {

// Shared by the dispatching frame (which may still ask interrupted() after replying)
// and the reply (which may be sent later, from another thread): two references.
struct InflightRequest {
  std::uint64_t unique = 0;
  InflightTable* table = nullptr;
  std::atomic<bool> interrupted{false};
  std::atomic<int> refs{2};
  // Links in the table's list (guarded by its mutex): adding and removing stay O(1)
  // without allocating; only an INTERRUPT walks it.
  InflightRequest* prev = nullptr;
  InflightRequest* next = nullptr;

  void interrupt();
  std::stop_token token();
  void reset();  // back to a fresh entry, for reuse

 private:
  std::mutex mutex_;
  std::optional<std::stop_source> stop_;  // made only when a handler asks for a token
};

class InflightTable {
 public:
  void add(InflightRequest* r);
  void remove(InflightRequest* r);
  bool interrupt(std::uint64_t unique);

 private:
  std::mutex mutex_;
  InflightRequest* head_ = nullptr;
};

enum class InterruptOutcome { delivered, parked };

class InterruptRegistry {
 public:
  explicit InterruptRegistry(std::size_t queues = 1);
  // Registers a new request on `queue`. Returns null when interrupts are off. A
  // non-zero `stale` is a parked interrupt (its own unique) that should now be
  // answered EAGAIN so the kernel resends it or forgets it.
  InflightRequest* begin(std::size_t queue, std::uint64_t unique, std::uint64_t& stale);
  // The reply has been sent: no longer findable by INTERRUPT.
  static void replied(InflightRequest* r);
  // Drops one reference; the last frees the entry.
  static void release(InflightRequest* r);
  InterruptOutcome interrupt(std::uint64_t target_unique, std::uint64_t interrupt_unique);
  void set_enabled(bool on) { enabled_.store(on, std::memory_order_relaxed); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> enabled_{true};
  std::vector<std::unique_ptr<InflightTable>> tables_;
  struct Parked {
    std::uint64_t target, interrupt_unique;
  };
  std::mutex parked_mutex_;
  std::deque<Parked> parked_;
  std::atomic<std::size_t> parked_count_{0};
};

}  // namespace uringfuse::detail
