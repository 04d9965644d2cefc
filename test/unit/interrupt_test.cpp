// Interrupts through the fake kernel: a request in flight learns of its interrupt
// (flag and stop_token), an interrupt that overtakes its request is parked and
// delivered, and a stale parked one is answered EAGAIN.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_kernel.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;

class ParkingFs : public Filesystem {
 public:
  struct Parked {
    Request req;
    ReplyAttr reply;
    bool seen_interrupt = false;
  };
  std::vector<std::unique_ptr<Parked>> parked;
  bool callback_fired = false;
  std::optional<std::stop_callback<std::function<void()>>> cb;
  bool interrupted_at_call = false;

  void getattr(const Request& req, Ino, const GetattrIn&, ReplyAttr reply) override {
    interrupted_at_call = req.interrupted();
    cb.emplace(req.stop_token(), std::function<void()>([this] { callback_fired = true; }));
    parked.push_back(std::make_unique<Parked>(Parked{req, std::move(reply)}));
  }
};

std::vector<CapturedReply> interrupt(FakeKernel& k, std::uint64_t target, std::uint64_t unique) {
  abi::fuse_interrupt_in in{target};
  return k.feed(RequestBuilder(Opcode::INTERRUPT, unique).arg(in));
}

TEST(Interrupts, InFlightRequestSeesItsInterrupt) {
  ParkingFs fs;
  FakeKernel k(fs, implemented_operations<ParkingFs>());
  ASSERT_EQ(k.init().error, 0);
  EXPECT_TRUE(k.feed(RequestBuilder(Opcode::GETATTR, 10).arg(abi::fuse_getattr_in{})).empty());
  ASSERT_EQ(fs.parked.size(), 1u);
  EXPECT_FALSE(fs.interrupted_at_call);
  EXPECT_FALSE(fs.callback_fired);
  EXPECT_TRUE(interrupt(k, 10, 11).empty());
  EXPECT_TRUE(fs.callback_fired);
  std::move(fs.parked[0]->reply).error(EINTR);
  auto r = k.take();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].unique, 10u);
  EXPECT_EQ(r[0].error, -EINTR);
  fs.cb.reset();
}

TEST(Interrupts, EarlyInterruptIsParkedThenDelivered) {
  ParkingFs fs;
  FakeKernel k(fs, implemented_operations<ParkingFs>());
  ASSERT_EQ(k.init().error, 0);
  EXPECT_TRUE(interrupt(k, 20, 21).empty());  // overtook its request
  EXPECT_TRUE(k.feed(RequestBuilder(Opcode::GETATTR, 20).arg(abi::fuse_getattr_in{})).empty());
  EXPECT_TRUE(fs.interrupted_at_call);
  EXPECT_TRUE(fs.callback_fired);
  std::move(fs.parked[0]->reply).error(EINTR);
  fs.cb.reset();
}

// A parked interrupt turns stale once it waited stale_after for its request; its
// EAGAIN goes where the INTERRUPT came from (/dev/fuse), never to the ring entry of
// the request being served, which only that request's reply commits.
TEST(Interrupts, StaleParkedInterruptIsAnsweredEagainOnDevFuse) {
  ParkingFs fs;
  FakeKernel k(fs, implemented_operations<ParkingFs>());
  ASSERT_EQ(k.init().error, 0);
  k.connection().interrupts().set_stale_after(std::chrono::milliseconds(50));
  EXPECT_TRUE(interrupt(k, 30, 31).empty());  // its request was already answered
  ReplyCapture ring_entry;
  k.feed_on(RequestBuilder(Opcode::GETATTR, 40).arg(abi::fuse_getattr_in{}), ring_entry, 1);
  EXPECT_TRUE(k.take().empty()) << "a young parked interrupt may still meet its request";
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  k.feed_on(RequestBuilder(Opcode::GETATTR, 42).arg(abi::fuse_getattr_in{}), ring_entry, 1);
  auto dev = k.take();
  ASSERT_EQ(dev.size(), 1u);
  EXPECT_EQ(dev[0].unique, 31u);
  EXPECT_EQ(dev[0].error, -EAGAIN);  // the kernel resends it if it still matters
  EXPECT_TRUE(ring_entry.take().empty());  // nothing but the requests' own replies
  EXPECT_FALSE(fs.interrupted_at_call);
  fs.cb.reset();
  for (auto& p : fs.parked) std::move(p->reply).error(EIO);
  auto own = ring_entry.take();
  ASSERT_EQ(own.size(), 2u);
  EXPECT_EQ(own[0].unique, 40u);
  EXPECT_EQ(own[1].unique, 42u);
}

// A young parked interrupt meets its request even after many others went by (over
// io_uring another queue may serve dozens before this one reaches its completion).
TEST(Interrupts, ParkedInterruptWaitsForItsRequestPastOthers) {
  ParkingFs fs;
  FakeKernel k(fs, implemented_operations<ParkingFs>());
  ASSERT_EQ(k.init().error, 0);
  EXPECT_TRUE(interrupt(k, 5000, 5001).empty());
  ReplyCapture ring_entry;
  for (std::uint64_t u = 100; u < 400; u += 2)
    k.feed_on(RequestBuilder(Opcode::GETATTR, u).arg(abi::fuse_getattr_in{}), ring_entry, 2);
  EXPECT_FALSE(fs.interrupted_at_call);
  k.feed_on(RequestBuilder(Opcode::GETATTR, 5000).arg(abi::fuse_getattr_in{}), ring_entry, 1);
  EXPECT_TRUE(fs.interrupted_at_call);
  EXPECT_TRUE(k.take().empty());
  fs.cb.reset();
  for (auto& p : fs.parked) std::move(p->reply).error(EIO);
}

// Workers registering requests while others park interrupts and empty the parked
// list: the lock-free count may be stale by the time a worker holds the lock.
TEST(Interrupts, ParkedListRacesStayConsistent) {
  detail::InterruptRegistry registry(3);
  registry.set_stale_after(std::chrono::milliseconds(0));
  ReplyCapture device;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> stale_answers{0};
  auto pool = detail::SlotPool::make();
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w)
    workers.emplace_back([&, w] {
      std::uint64_t unique = 2 + 2 * static_cast<std::uint64_t>(w);
      while (!stop.load()) {
        detail::StaleInterrupt stale;
        RequestSlot* r = pool->take();
        r->unique = unique;
        r->hold();  // the reply's
        registry.begin(*r, static_cast<std::size_t>(w), stale);
        if (stale.interrupt_unique) {
          EXPECT_EQ(stale.answer_on, &device);
          ++stale_answers;
        }
        detail::slot_replied(r);
        r->release();
        unique += 6;
      }
    });
  for (std::uint64_t i = 0; i < 200000; ++i) registry.interrupt(1'000'000'001 + 2 * i, i, &device);
  stop = true;
  for (auto& t : workers) t.join();
  EXPECT_GT(stale_answers.load(), 0u);
  EXPECT_LE(stale_answers.load() + registry.parked(), 200000u);
}

TEST(Interrupts, AnsweredRequestIsNoLongerFindable) {
  ParkingFs fs;
  FakeKernel k(fs, implemented_operations<ParkingFs>());
  ASSERT_EQ(k.init().error, 0);
  k.feed(RequestBuilder(Opcode::GETATTR, 50).arg(abi::fuse_getattr_in{}));
  std::move(fs.parked[0]->reply).error(EIO);
  fs.cb.reset();
  fs.callback_fired = false;
  k.take();
  EXPECT_TRUE(interrupt(k, 50, 51).empty());  // parked, not delivered
  EXPECT_FALSE(fs.callback_fired);
}

TEST(Interrupts, ReplyFromAnotherThreadWhileInterrupting) {
  ParkingFs fs;
  FakeKernel k(fs, implemented_operations<ParkingFs>());
  ASSERT_EQ(k.init().error, 0);
  for (std::uint64_t u = 100; u < 300; ++u)
    k.feed(RequestBuilder(Opcode::GETATTR, u).arg(abi::fuse_getattr_in{}));
  fs.cb.reset();
  std::thread replier([&] {
    for (auto& p : fs.parked) std::move(p->reply).error(EINTR);
  });
  // feed() drains the capture, so replies racing with the interrupts come back here.
  std::vector<CapturedReply> r;
  for (std::uint64_t u = 100; u < 300; ++u)
    for (auto& x : interrupt(k, u, u + 1000)) r.push_back(std::move(x));
  replier.join();
  for (auto& x : k.take()) r.push_back(std::move(x));
  std::size_t answered = 0;
  for (auto& x : r) answered += x.unique >= 100 && x.unique < 300;
  EXPECT_EQ(answered, 200u);
}

}  // namespace
}  // namespace uringfuse::test
