// When a ring's leader hands its lead on, from the runs it is told about: blocked
// runs with others waiting hand on, preempted ones never do, unverified ones make
// the next runs verify, and quick ones bring the ring back inline.
#include <gtest/gtest.h>

#include <cstdint>

#include "transport/uring/handler_pacing.hpp"

namespace uringfuse::detail {
namespace {

TEST(HandlerPacing, GoesToHandingOnOnlyWhenABlockedHandlerMadeOthersWait) {
  HandlerPacing p;
  p.record(RunKind::blocked, false);  // long, but nobody waited: keep the fast path
  EXPECT_FALSE(p.hand_on());
  p.record(RunKind::quick, true);
  EXPECT_FALSE(p.hand_on());
  for (std::uint32_t i = 0; i + 1 < HandlerPacing::kStrikes; ++i) p.record(RunKind::blocked, true);
  EXPECT_FALSE(p.hand_on()) << "one blocked run may be a lock taken once";
  p.record(RunKind::blocked, true);
  EXPECT_TRUE(p.hand_on());
}

// A client sharing the ring's CPU preempts handlers all the time under load: that
// never hands the lead on, however many requests waited.
TEST(HandlerPacing, PreemptedRunsNeverHandOn) {
  HandlerPacing p;
  for (int i = 0; i < 10000; ++i) p.record(RunKind::preempted, true);
  EXPECT_FALSE(p.hand_on());
}

// A slow run with no usage taken proves nothing by itself: it makes the next runs
// take theirs, and only those can strike.
TEST(HandlerPacing, AnUnverifiedSlowRunAsksTheNextRunsForEvidence) {
  HandlerPacing p;
  EXPECT_FALSE(p.wants_usage());
  for (int i = 0; i < 10; ++i) p.record(RunKind::unverified, true);
  EXPECT_FALSE(p.hand_on());
  EXPECT_TRUE(p.wants_usage());
  for (std::uint32_t i = 0; i < HandlerPacing::kVerifiedRuns; ++i) p.record(RunKind::quick, true);
  EXPECT_FALSE(p.wants_usage()) << "verification ends after kVerifiedRuns runs";

  p.record(RunKind::unverified, true);
  for (std::uint32_t i = 0; i < HandlerPacing::kStrikes && !p.hand_on(); ++i) {
    EXPECT_TRUE(p.wants_usage());
    p.record(RunKind::blocked, true);
  }
  EXPECT_TRUE(p.hand_on()) << "a backend that blocks shows it within kStrikes verified runs";
  EXPECT_TRUE(p.wants_usage()) << "handing on always verifies: a switch per request dwarfs it";
}

// A backend that blocks on every read, among quick metadata requests: handed on.
TEST(HandlerPacing, BlockedRunsAmongQuickOnesStillHandOn) {
  HandlerPacing p;
  for (int i = 0; i < 10 && !p.hand_on(); ++i) {
    p.record(RunKind::blocked, true);
    for (int k = 0; k < 5; ++k) p.record(RunKind::quick, false);
  }
  EXPECT_TRUE(p.hand_on());
}

// A blocked run now and then (one in a thousand: a lock, a page fault) never hands on.
TEST(HandlerPacing, SporadicBlockedRunsKeepTheFastPath) {
  HandlerPacing p;
  for (int i = 0; i < 100; ++i) {
    p.record(RunKind::blocked, true);
    for (int k = 0; k < 1000; ++k) p.record(RunKind::quick, true);
  }
  EXPECT_FALSE(p.hand_on());
}

TEST(HandlerPacing, ComesBackAfterARunOfQuickOrPreemptedHandlers) {
  HandlerPacing p;
  p.stolen();
  ASSERT_TRUE(p.hand_on());
  for (std::uint32_t i = 0; i + 1 < HandlerPacing::kQuickToInline; ++i) p.record(RunKind::quick, false);
  EXPECT_TRUE(p.hand_on());
  p.record(RunKind::blocked, false);  // a blocked one restarts the count
  for (std::uint32_t i = 0; i + 1 < HandlerPacing::kQuickToInline; ++i)
    p.record(i % 2 ? RunKind::quick : RunKind::preempted, false);
  EXPECT_TRUE(p.hand_on());
  p.record(RunKind::unverified, false);  // while handing on: taken as blocked, the safe side
  for (std::uint32_t i = 0; i + 1 < HandlerPacing::kQuickToInline; ++i) p.record(RunKind::quick, false);
  EXPECT_TRUE(p.hand_on());
  p.record(RunKind::quick, false);
  p.record(RunKind::quick, false);
  EXPECT_FALSE(p.hand_on());
}

}  // namespace
}  // namespace uringfuse::detail
