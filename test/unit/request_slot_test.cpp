// Request slots: a transport's slot is refilled only once nothing else holds it, a
// held one is replaced from the pool, and a pool outlives its owner while any of its
// slots is held (a reply kept past its session). ASan checks the lifetimes here.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/reply_gate.hpp"
#include "core/request_slot.hpp"
#include "fake_kernel.hpp"

namespace uringfuse::test {
namespace {

using detail::OwnedSlot;
using detail::SlotPool;

TEST(RequestSlot, TheTransportsSlotIsRefilledWhenNothingElseHoldsIt) {
  auto pool = SlotPool::make();
  OwnedSlot owned;
  ReplyCapture capture;
  RequestSlot* first = &owned.next(*pool);
  first->target = &capture;
  first->unique = 2;
  {
    ReplyEmpty reply(*first);
    std::move(reply).ok();
  }
  RequestSlot* second = &owned.next(*pool);
  EXPECT_EQ(second, first) << "answered at once: the same slot serves the next request";
  EXPECT_EQ(second->unique, 0u) << "and it comes back clean";
  EXPECT_EQ(second->target, nullptr);
  EXPECT_FALSE(second->answered.load());
}

TEST(RequestSlot, AHeldSlotIsReplacedAndReturnsAfterItsReply) {
  auto pool = SlotPool::make();
  OwnedSlot owned;
  ReplyCapture capture;
  RequestSlot& first = owned.next(*pool);
  first.target = &capture;
  first.unique = 4;
  std::optional<ReplyEmpty> deferred(std::in_place, first);  // answered later
  RequestSlot& second = owned.next(*pool);
  ASSERT_NE(&second, &first) << "a deferred reply still points to the first slot";
  EXPECT_EQ(first.unique, 4u) << "which must not be refilled under it";
  std::move(*deferred).ok();
  deferred.reset();
  auto sent = capture.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].unique, 4u);
  // Let go, the first slot is the pool's again: the next fresh one is it.
  second.hold();  // as a coroutine's Io handle would
  RequestSlot& third = owned.next(*pool);
  EXPECT_EQ(&third, &first);
  second.release();
}

TEST(RequestSlot, APoolOutlivesItsOwnerWhileASlotIsHeld) {
  ReplyCapture capture;
  std::optional<ReplyEmpty> kept;
  {
    auto pool = SlotPool::make();
    OwnedSlot owned;
    RequestSlot& slot = owned.next(*pool);
    slot.target = &capture;
    slot.unique = 6;
    kept.emplace(slot);
  }  // the transport and its pool are gone; the reply still reads its slot
  EXPECT_TRUE(kept->pending());
  EXPECT_EQ(kept->unique(), 6u);
  std::move(*kept).ok();
  EXPECT_EQ(capture.take().size(), 1u);
  kept.reset();  // the last holder: the pool goes with it (LeakSanitizer checks)
}

TEST(RequestSlot, AReplyAfterItsSessionSendsNothing) {
  ReplyCapture capture;
  auto pool = SlotPool::make();
  std::optional<ReplyEmpty> kept;
  {
    detail::ReplyGate gate;
    RequestSlot* slot = pool->take();
    slot->target = &capture;
    slot->unique = 8;
    slot->gate = gate.ticket();
    kept.emplace(*slot);
    slot->release();
  }
  std::move(*kept).ok();
  EXPECT_TRUE(capture.take().empty());
}

TEST(RequestSlot, AReplyIsOnePointerAndWhatNamesItOnceSent) {
  // The context is not copied into the reply: a slot pointer, and once sent the
  // unique and opcode for the "sent twice" line.
  EXPECT_LE(sizeof(ReplyEmpty), sizeof(void*) + sizeof(std::uint64_t) + sizeof(std::uint64_t));
}

TEST(RequestSlot, SlotsGoBackToTheirPoolFromAnyThread) {
  auto pool = SlotPool::make();
  ReplyCapture capture;
  OwnedSlot owned;
  std::vector<std::thread> answerers;
  std::vector<RequestSlot*> seen;
  for (int i = 0; i < 64; ++i) {
    RequestSlot& slot = owned.next(*pool);
    seen.push_back(&slot);
    slot.target = &capture;
    slot.unique = 10 + 2 * static_cast<std::uint64_t>(i);
    answerers.emplace_back([reply = ReplyEmpty(slot)]() mutable { std::move(reply).ok(); });
  }
  for (auto& t : answerers) t.join();
  EXPECT_EQ(capture.take().size(), 64u);
  // At most 65 slots were ever made (64 in flight and the owner's); all are back.
  std::sort(seen.begin(), seen.end());
  EXPECT_LE(std::unique(seen.begin(), seen.end()) - seen.begin(), 65);
}

}  // namespace
}  // namespace uringfuse::test
