// Whether a ring's leader runs the next handler itself or hands the lead on first.
//
// Inline is the fast path: no thread switch, the reply committed in the same batch.
// Handing the lead on costs a futex wake and a switch per request, worth it only
// when handlers block (a network or disk backend) while other requests wait. So a
// group starts inline, goes to handing-on as soon as one handler ran long while
// others were waiting (or a standby had to steal the lead), and comes back after a
// run of quick handlers. A handler that is merely long (a 1 MiB copy) with nobody
// waiting keeps the fast path. Pure: test/unit/ring_leadership_test.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace uringfuse::detail {

class HandlerPacing {
 public:
  // A handler longer than this counts as one that blocked.
  static constexpr std::chrono::microseconds kSlow{50};
  // Quick handlers in a row that bring a group back to inline.
  static constexpr std::uint32_t kQuickToInline = 64;
  // Slow runs with others waiting that switch to handing on; each kQuickPerPardon
  // quick runs take one back.
  static constexpr std::uint32_t kStrikes = 3;
  static constexpr std::uint32_t kQuickPerPardon = 16;

  bool hand_on() const noexcept { return hand_on_.load(std::memory_order_relaxed); }
  // After each handler, on whichever thread ran it. `others_waiting`: requests were
  // queued behind it (only known for inline runs; a handed-on run passes false).
  void record(std::chrono::nanoseconds took, bool others_waiting) noexcept {
    if (took >= kSlow) {
      quick_.store(0, std::memory_order_relaxed);
      if (others_waiting && strikes_.fetch_add(1, std::memory_order_relaxed) + 1 >= kStrikes) {
        strikes_.store(0, std::memory_order_relaxed);
        hand_on_.store(true, std::memory_order_relaxed);
      }
      return;
    }
    const std::uint32_t quick = quick_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (!hand_on_.load(std::memory_order_relaxed)) {
      if (quick % kQuickPerPardon == 0 && strikes_.load(std::memory_order_relaxed) > 0)
        strikes_.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    if (quick >= kQuickToInline) {
      hand_on_.store(false, std::memory_order_relaxed);
      quick_.store(0, std::memory_order_relaxed);
    }
  }
  // A standby found the leader stuck in a handler: whatever the timing said.
  void stolen() noexcept {
    quick_.store(0, std::memory_order_relaxed);
    hand_on_.store(true, std::memory_order_relaxed);
  }

 private:
  std::atomic<bool> hand_on_{false};
  std::atomic<std::uint32_t> quick_{0};
  std::atomic<std::uint32_t> strikes_{0};
};

}  // namespace uringfuse::detail
