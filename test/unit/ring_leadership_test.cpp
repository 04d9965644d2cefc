// The ring lead without a ring: every transition, a stolen leader's tickets, and
// many threads racing for the lead with exactly one holder at any time. The pacing
// that decides when to hand it on: handler_pacing_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "transport/uring/ring_leadership.hpp"

namespace uringfuse::detail {
namespace {

using namespace std::chrono_literals;

TEST(RingLeadership, OneLeaderAtATime) {
  RingLeadership lead;
  EXPECT_TRUE(lead.try_lead());
  EXPECT_FALSE(lead.try_lead());
  lead.release();
  EXPECT_TRUE(lead.try_lead());
}

TEST(RingLeadership, AnInlineRunKeepsTheLead) {
  RingLeadership lead;
  ASSERT_TRUE(lead.try_lead());
  auto t = lead.enter_inline();
  EXPECT_TRUE(RingLeadership::in_inline_handler(lead.observe()));
  EXPECT_FALSE(lead.try_lead());  // not free while a handler runs inline
  ASSERT_TRUE(lead.begin_ring_access(t));
  EXPECT_FALSE(lead.steal(lead.observe()));  // never while the ring is touched
  lead.end_ring_access(t);
  EXPECT_TRUE(lead.leave_inline(t));
  EXPECT_FALSE(RingLeadership::in_inline_handler(lead.observe()));
}

TEST(RingLeadership, AStolenLeaderFailsWithItsTicketEverAfter) {
  RingLeadership lead;
  ASSERT_TRUE(lead.try_lead());
  auto t = lead.enter_inline();
  ASSERT_TRUE(lead.steal(lead.observe()));
  EXPECT_FALSE(lead.begin_ring_access(t));
  // The lead is free: another thread takes it and runs a handler of its own.
  ASSERT_TRUE(lead.try_lead());
  auto t2 = lead.enter_inline();
  EXPECT_NE(t, t2);
  EXPECT_FALSE(lead.begin_ring_access(t));
  EXPECT_FALSE(lead.leave_inline(t));  // the old leader learns it is a follower
  EXPECT_TRUE(lead.leave_inline(t2));
}

TEST(RingLeadership, NothingToStealOutsideAHandler) {
  RingLeadership lead;
  EXPECT_FALSE(lead.steal(lead.observe()));  // free
  ASSERT_TRUE(lead.try_lead());
  EXPECT_FALSE(lead.steal(lead.observe()));  // in its loop
  auto t = lead.enter_inline();
  auto seen = lead.observe();
  ASSERT_TRUE(lead.leave_inline(t));
  EXPECT_FALSE(lead.steal(seen));  // that run is over
}

TEST(RingLeadership, ParkedFollowersTakeAReleasedLead) {
  RingLeadership lead;
  ASSERT_TRUE(lead.try_lead());
  std::atomic<int> led{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> followers;
  for (int i = 0; i < 3; ++i)
    followers.emplace_back([&] {
      while (!stop.load()) {
        if (lead.try_lead()) {
          led.fetch_add(1);
          std::this_thread::sleep_for(1ms);
          lead.release();
          continue;
        }
        lead.park();
      }
    });
  while (lead.parked() < 3) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(lead.release());  // a follower was parked: woken
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (led.load() < 20 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_GE(led.load(), 20) << "the lead stopped moving: a wake-up was lost";
  stop.store(true);
  lead.close();
  for (auto& t : followers) {
    lead.close();
    t.join();
  }
}

// Threads race for the lead, run "handlers" inline, steal from each other and touch
// the "ring" only with the lead: the ring never has two users at once.
TEST(RingLeadership, TheRingNeverHasTwoUsers) {
  RingLeadership lead;
  std::atomic<int> users{0}, overlaps{0};
  std::atomic<long> touches{0};
  auto touch_ring = [&] {
    if (users.fetch_add(1) != 0) overlaps.fetch_add(1);
    touches.fetch_add(1);
    users.fetch_sub(1);
  };
  const auto until = std::chrono::steady_clock::now() + 300ms;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      while (std::chrono::steady_clock::now() < until) {
        if (!lead.try_lead()) {
          lead.steal(lead.observe());  // as a standby would
          continue;
        }
        touch_ring();  // in its loop
        auto t = lead.enter_inline();
        if (lead.begin_ring_access(t)) {
          touch_ring();  // a reply committed from inside the handler
          lead.end_ring_access(t);
        }
        if (!lead.leave_inline(t)) continue;  // stolen: a follower now
        touch_ring();
        if (i % 2) {
          lead.release();  // hand the lead on before the next handler
        } else {
          lead.enter_inline();  // or be stuck in one, and robbed as by a standby
          lead.steal(lead.observe());
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(touches.load(), 1000);
}

}  // namespace
}  // namespace uringfuse::detail
