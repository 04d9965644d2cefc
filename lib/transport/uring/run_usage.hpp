// Whether a handler run that took long blocked, or only waited for its CPU.
//
// Wall time cannot tell: the ring thread is pinned where its clients run, and a 5 µs
// tmpfs read that the client preempts for 100 µs looks like a read that waited
// 100 µs on a disk. Handing the lead on for such runs only adds switches, since the
// CPU is the limit and not the handler. Measured on the 2-vCPU VM, 4 KiB reads at
// depth 16 from two fio jobs: 147k IOPS inline, 50-67k once preempted runs had
// handed the lead on 20-30k times, with single reads stalled up to 206 ms. Of the
// slow inline runs there, 9440 were preempted and 34 had slept.
//
// The thread's own context switches can tell. A run that blocked slept (a voluntary
// switch), or kept its CPU the whole time (a long computation, which handing on
// spreads over the other CPUs as a pool does); a preempted one was switched out
// involuntarily and never slept. Runs slowed by interrupts, or by the host stalling
// the virtual CPU, switch nothing and still count as blocked: rare (a few in 500k
// requests), and their CPU time, even CLOCK_THREAD_CPUTIME_ID's, runs on as a
// computation's does, so it cannot set them apart (getrusage()'s is per tick anyway).
// getrusage() costs about 1 µs here, a fifth of a quick handler, so HandlerPacing
// asks for it only after a run has looked slow (wants_usage()).
#pragma once

#include <chrono>

#include "transport/uring/handler_pacing.hpp"

namespace uringfuse::detail {

class RunUsage {
 public:
  // The calling thread's counters now.
  static RunUsage now() noexcept;
  bool taken() const noexcept { return taken_; }

  // What the run that began at `start` (this thread's snapshot, or none taken) and
  // took `took` of wall time showed; reads the counters again only for a slow run
  // whose start was taken.
  static RunKind classify(std::chrono::nanoseconds took, const RunUsage& start) noexcept;

 private:
  bool taken_ = false;
  long voluntary_switches_ = 0;    // slept
  long involuntary_switches_ = 0;  // preempted
};

}  // namespace uringfuse::detail
