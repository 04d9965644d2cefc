// Whether a ring's leader runs the next handler itself or hands the lead on first.
//
// Inline is the fast path: no thread switch, the reply committed in the same batch.
// Handing the lead on costs a futex wake and a switch per request, worth it only
// when handlers block (a network or disk backend) while other requests wait. So a
// group starts inline, goes to handing-on once handlers were shown to block while
// others were waiting (or a standby had to steal the lead), and comes back after a
// run of quick handlers. A handler that is merely long (a 1 MiB copy) with nobody
// waiting keeps the fast path, and so does one that was only preempted: a slow run
// makes the next runs take the thread's usage (RunUsage), which tells the two
// apart. Pure: test/unit/handler_pacing_test.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace uringfuse::detail {

// What one handler run showed (RunUsage::classify).
enum class RunKind : unsigned char {
  quick,       // shorter than HandlerPacing::kSlow
  blocked,     // long, and its thread slept or kept its CPU throughout
  preempted,   // long only because its CPU was taken: no sign that it blocked
  unverified,  // long, with no usage taken to tell which
};

class HandlerPacing {
 public:
  // A handler longer than this may have blocked (RunKind tells).
  static constexpr std::chrono::microseconds kSlow{50};
  // Quick handlers in a row that bring a group back to inline.
  static constexpr std::uint32_t kQuickToInline = 64;
  // Blocked runs with others waiting that switch to handing on; each kQuickPerPardon
  // quick (or preempted) runs take one back.
  static constexpr std::uint32_t kStrikes = 3;
  static constexpr std::uint32_t kQuickPerPardon = 16;
  // Runs that take the thread's usage after a slow unverified one: enough for a
  // backend that blocks every few requests to show it, few enough that a client
  // preempting the ring now and then costs little (about 64 µs per slow run).
  static constexpr std::uint32_t kVerifiedRuns = 64;

  bool hand_on() const noexcept { return hand_on_.load(std::memory_order_relaxed); }
  // Whether the next run should take the thread's usage: while verifying, and while
  // handing on, where a switch per request dwarfs the microsecond.
  bool wants_usage() const noexcept {
    return hand_on() || verify_left_.load(std::memory_order_relaxed) > 0;
  }
  // After each handler, on whichever thread ran it. `others_waiting`: requests were
  // queued behind it (only known for inline runs; a handed-on run passes false).
  void record(RunKind kind, bool others_waiting) noexcept {
    if (const std::uint32_t left = verify_left_.load(std::memory_order_relaxed); left > 0)
      verify_left_.store(left - 1, std::memory_order_relaxed);
    if (kind == RunKind::unverified) {
      if (!hand_on()) {  // the next runs tell whether handlers block
        verify_left_.store(kVerifiedRuns, std::memory_order_relaxed);
        return;
      }
      kind = RunKind::blocked;  // handing on already: the safe side
    }
    if (kind == RunKind::blocked) {
      quick_.store(0, std::memory_order_relaxed);
      if (others_waiting && strikes_.fetch_add(1, std::memory_order_relaxed) + 1 >= kStrikes) {
        strikes_.store(0, std::memory_order_relaxed);
        hand_on_.store(true, std::memory_order_relaxed);
      }
      return;
    }
    // Quick, or preempted: either way no handler held the ring by itself.
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
  std::atomic<std::uint32_t> verify_left_{0};
};

}  // namespace uringfuse::detail
