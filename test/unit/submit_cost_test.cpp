// When a ring submits backend I/O at once and when it leaves it to the round's batch:
// at once while the syscall is cheap, batched once it is measured dear, with a
// probe now and then that brings at once back when the cost falls.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "transport/uring/submit_cost.hpp"

namespace uringfuse::detail {
namespace {

using std::chrono::microseconds;

// Submits at once until told otherwise, and keeps doing so while it stays cheap.
TEST(SubmitCost, StartsAtOnceAndStaysWhileCheap) {
  SubmitCost c;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(c.at_once()) << "at submission " << i;
    c.took(microseconds(2));
  }
}

// 21 µs per submission (a disk read on a paravirtualized guest): batched after a
// few, with one probe in kProbeEvery.
TEST(SubmitCost, BatchesOnceDearAndProbesNowAndThen) {
  SubmitCost c;
  int settled = 0;
  while (c.at_once()) {
    c.took(microseconds(21));
    ASSERT_LT(++settled, 50) << "never judged dear";
  }
  std::uint32_t at_once = 0;
  for (std::uint32_t i = 0; i < 100 * SubmitCost::kProbeEvery; ++i)
    if (c.at_once()) {
      ++at_once;
      c.took(microseconds(21));
    }
  EXPECT_GE(at_once, 99u);
  EXPECT_LE(at_once, 101u);
}

// A single slow submission (the thread preempted inside the syscall) does not flip a
// cheap ring to batching.
TEST(SubmitCost, OneSlowSubmissionDoesNotFlip) {
  SubmitCost c;
  for (int i = 0; i < 100; ++i) c.took(microseconds(2));
  c.took(microseconds(50));
  EXPECT_TRUE(c.at_once());
}

// When the cost falls (the host got quieter), the probes bring at once back within a
// few probes' worth of calls.
TEST(SubmitCost, ProbesBringAtOnceBackWhenCheapAgain) {
  SubmitCost c;
  for (int i = 0; i < 100; ++i) c.took(microseconds(21));
  ASSERT_FALSE(c.at_once());
  std::uint32_t calls = 0;
  while (c.average_ns() >= SubmitCost::kDear.count()) {
    if (c.at_once()) c.took(microseconds(2));  // only the probes measure
    ASSERT_LT(++calls, 20 * SubmitCost::kProbeEvery) << "at once never came back";
  }
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(c.at_once());
}

}  // namespace
}  // namespace uringfuse::detail
