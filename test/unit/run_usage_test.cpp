// RunUsage against real threads: a run that sleeps or computes blocked; one that lost
// its CPU to another thread was only preempted; a slow run without a snapshot is
// unverified.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "transport/uring/run_usage.hpp"

namespace uringfuse::detail {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

void spin_for(std::chrono::nanoseconds how_long) {
  const auto until = Clock::now() + how_long;
  while (Clock::now() < until) {
  }
}

// Pins the calling thread to one CPU; false if it cannot.
bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

TEST(RunUsage, QuickRunsAreQuickWithoutAnySnapshot) {
  EXPECT_EQ(RunUsage::classify(HandlerPacing::kSlow / 2, RunUsage{}), RunKind::quick);
  EXPECT_EQ(RunUsage::classify(HandlerPacing::kSlow / 2, RunUsage::now()), RunKind::quick);
}

TEST(RunUsage, ASlowRunWithoutASnapshotIsUnverified) {
  EXPECT_FALSE(RunUsage{}.taken());
  EXPECT_EQ(RunUsage::classify(10ms, RunUsage{}), RunKind::unverified);
}

TEST(RunUsage, ARunThatSleptBlocked) {
  const RunUsage start = RunUsage::now();
  ASSERT_TRUE(start.taken());
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(1ms);
  EXPECT_EQ(RunUsage::classify(Clock::now() - t0, start), RunKind::blocked);
}

TEST(RunUsage, ARunThatComputedThatLongBlockedToo) {
  // Nobody else runs on the ring while it computes: handing on helps as for a sleep.
  // A run preempted on a busy machine would be right to say so; one of several
  // tries keeps its CPU.
  int blocked = 0;
  for (int i = 0; i < 20 && blocked == 0; ++i) {
    const RunUsage start = RunUsage::now();
    const auto t0 = Clock::now();
    spin_for(2ms);
    const RunKind kind = RunUsage::classify(Clock::now() - t0, start);
    EXPECT_NE(kind, RunKind::quick);
    if (kind == RunKind::blocked) ++blocked;
  }
  EXPECT_EQ(blocked, 1);
}

TEST(RunUsage, ARunThatLostItsCpuWasPreempted) {
  // This thread and a spinning one share one CPU: some short run of this thread is
  // bound to straddle the other's time slice, and looks slow by the wall clock.
  const int cpu = sched_getcpu();
  ASSERT_GE(cpu, 0);
  ASSERT_TRUE(pin_to(cpu));
  std::atomic<bool> stop{false};
  std::thread spinner([&] {
    pin_to(cpu);
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  int preempted = 0, blocked = 0;
  const auto give_up = Clock::now() + 5s;
  while (preempted < 20 && Clock::now() < give_up) {
    const RunUsage start = RunUsage::now();
    const auto t0 = Clock::now();
    spin_for(10us);
    const auto took = Clock::now() - t0;
    if (took < 5 * HandlerPacing::kSlow) continue;  // not clearly preempted
    const RunKind kind = RunUsage::classify(took, start);
    if (kind == RunKind::preempted) ++preempted;
    if (kind == RunKind::blocked) ++blocked;
  }
  stop = true;
  spinner.join();
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int i = 0; i < CPU_SETSIZE; ++i) CPU_SET(i, &all);
  pthread_setaffinity_np(pthread_self(), sizeof all, &all);
  EXPECT_EQ(preempted, 20) << "10 us runs taken off their CPU in 5 s";
  // A virtual CPU that the host stalls shows no switch and counts as blocked (as it
  // should: nothing else ran the ring meanwhile); that must stay the exception.
  EXPECT_LT(blocked, preempted) << "runs that only lost their CPU counted as blocked";
}

}  // namespace
}  // namespace uringfuse::detail
