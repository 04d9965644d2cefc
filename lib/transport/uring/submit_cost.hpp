// Whether a ring submits backend I/O, and the reply a finished coroutine makes, at
// once (one io_uring_enter each) or with the round's batch.
//
// At once keeps a disk fed: on a KVM guest whose reads went to the disk in one
// batch per round, depth 16 went from 0.72x native to 0.87x. But the syscall is
// the ring thread's, and every request of the queue waits behind it. On a
// paravirtualized guest where a syscall and a virtio kick exit to the host, one
// at-once submission cost 21 µs for a disk read and 9 µs for a timeout: the same
// change took disk depth 16 from 0.86x native to 0.29x and coroutine timeouts from
// 37k to 29k IOPS (doc/performance.md). So the ring times its at-once submissions
// and batches while they are dear, trying one at once now and then in case the
// cost fell. Pure: test/unit/submit_cost_test.cpp.
#pragma once

#include <chrono>
#include <cstdint>

namespace uringfuse::detail {

class SubmitCost {
 public:
  // Above this average an at-once submission costs the queue more than the batch:
  // below the 9-21 µs measured on the paravirtualized guest, above the few µs a
  // syscall with a virtio kick is expected to take under KVM (not measured there).
  static constexpr std::chrono::nanoseconds kDear{8000};
  // While batching, one submission in this many still goes at once, to see whether
  // the cost fell (about 1/256 of a dear syscall per request).
  static constexpr std::uint32_t kProbeEvery = 256;

  // Whether to submit what is queued now.
  bool at_once() noexcept {
    if (average_ns_ < kDear.count()) return true;
    return ++skipped_ % kProbeEvery == 0;
  }
  // How long an at-once submission took.
  void took(std::chrono::nanoseconds spent) noexcept {
    // An average over the last few (weight 1/8), so a change of host behaviour shows
    // within a few submissions. One slow submission of up to about 50 µs over a cheap
    // average does not flip the choice; a longer preemption inside the syscall does,
    // until the probes bring the average down again (a few probes, about a thousand
    // submissions left to the batch).
    average_ns_ += (spent.count() - average_ns_) / 8;
  }
  std::int64_t average_ns() const noexcept { return average_ns_; }

 private:
  std::int64_t average_ns_ = 0;  // optimistic: at once until measured dear
  std::uint32_t skipped_ = 0;
};

}  // namespace uringfuse::detail
