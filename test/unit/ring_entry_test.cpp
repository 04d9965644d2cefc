// Ring entries driven by the fake kernel, without a ring: the kernel's side (hand an
// entry a request, take its commit) is a FakeRing owner, the daemon's side is the
// real RingEntry and Connection. Every case counts commits per request: a double
// commit or a lost entry shows as a count other than one.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "fake_kernel.hpp"
#include "test_filesystem.hpp"
#include "transport/uring/ring_entry.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;
using detail::EntryPhase;
using detail::RingEntry;

struct Commit {
  std::uint64_t commit_id = 0, unique = 0;
  int error = 0;
  std::uint32_t payload = 0;
};

// The kernel's side of one queue: gives entries requests, records every commit.
class FakeRing final : public detail::EntryOwner {
 public:
  explicit FakeRing(std::size_t depth) : headers_(depth), payloads_(depth), entries_(depth) {
    for (std::size_t i = 0; i < depth; ++i) {
      payloads_[i].resize(64 * 1024);
      entries_[i].owner = this;
      entries_[i].buffers = {&headers_[i], payloads_[i]};
      entries_[i].state.start_register();
    }
  }
  RingEntry& entry(std::size_t i) { return entries_[i]; }

  // Writes `request` into entry i the way the kernel lays it out on a ring, then
  // completes the entry's command; false if the entry refused it.
  bool deliver(std::size_t i, const RequestBuilder& request, std::size_t op_in_size) {
    auto bytes = request.build();
    auto& h = headers_[i];
    std::memset(&h, 0, sizeof h);
    std::memcpy(h.in_out, bytes.data(), sizeof(abi::fuse_in_header));
    std::size_t rest = bytes.size() - sizeof(abi::fuse_in_header);
    std::size_t op = std::min(op_in_size, rest);
    std::memcpy(h.op_in, bytes.data() + sizeof(abi::fuse_in_header), op);
    std::memcpy(payloads_[i].data(), bytes.data() + sizeof(abi::fuse_in_header) + op, rest - op);
    abi::fuse_in_header in;
    std::memcpy(&in, bytes.data(), sizeof in);
    in.len = static_cast<std::uint32_t>(sizeof in + rest - op);
    std::memcpy(h.in_out, &in, sizeof in);
    h.ring_ent_in_out.commit_id = in.unique;
    h.ring_ent_in_out.payload_sz = static_cast<std::uint32_t>(rest - op);
    return entries_[i].begin_request();
  }
  // What the daemon's protocol core would do with the request entry i holds.
  void serve(detail::Connection& c, std::size_t i) {
    RequestSlot& slot = entries_[i].slot.next(*slots_);
    slot.target = &entries_[i];
    c.handle(entries_[i].raw_request("fake:ring", 1), slot);
  }

  bool commit_here(RingEntry* e) override {
    if (std::this_thread::get_id() != owner_) return false;
    queue_commit(e);
    return true;
  }
  void queue_commit(RingEntry* e) {
    ASSERT_TRUE(e->state.start_commit()) << "commit of an entry that is " << phase_name(e->state.phase());
    abi::fuse_out_header out;
    std::memcpy(&out, e->buffers.header->in_out, sizeof out);
    std::lock_guard lock(mutex_);
    commits_.push_back({e->commit_id, out.unique, out.error, e->buffers.header->ring_ent_in_out.payload_sz});
  }
  void push_foreign(RingEntry* e) override {
    std::lock_guard lock(mutex_);
    foreign_.push_back(e);
  }
  const char* name() const override { return "fake:ring"; }
  void drain_foreign() {
    std::vector<RingEntry*> handed;
    {
      std::lock_guard lock(mutex_);
      handed.swap(foreign_);
    }
    for (auto* e : handed) queue_commit(e);
  }
  std::vector<Commit> commits() {
    std::lock_guard lock(mutex_);
    return commits_;
  }
  // Commits per commit id: exactly one each for a healthy queue.
  std::map<std::uint64_t, int> commits_per_request() {
    std::map<std::uint64_t, int> n;
    for (auto& c : commits()) ++n[c.commit_id];
    return n;
  }

 private:
  std::thread::id owner_ = std::this_thread::get_id();
  std::vector<abi::fuse_uring_req_header> headers_;
  std::vector<std::vector<std::byte>> payloads_;
  detail::SlotPool::Handle slots_ = detail::SlotPool::make();
  std::vector<RingEntry> entries_;
  std::mutex mutex_;
  std::vector<Commit> commits_;
  std::vector<RingEntry*> foreign_;
};

RequestBuilder getattr(std::uint64_t unique) { return RequestBuilder(Opcode::GETATTR, unique).arg(abi::fuse_getattr_in{}); }

// ---- EntryState alone ----

TEST(EntryState, WalksTheLifeCycle) {
  detail::EntryState s;
  EXPECT_EQ(s.phase(), EntryPhase::idle);
  EXPECT_FALSE(s.start_serving(2)) << "a request before REGISTER";
  EXPECT_TRUE(s.start_register());
  EXPECT_FALSE(s.start_register());
  EXPECT_FALSE(s.start_commit()) << "nothing to commit";
  EXPECT_FALSE(s.start_serving(0)) << "unique 0 is never a request";
  EXPECT_TRUE(s.start_serving(2));
  EXPECT_EQ(s.phase(), EntryPhase::serving);
  EXPECT_FALSE(s.start_commit()) << "not answered yet";
  EXPECT_FALSE(s.start_serving(4)) << "a second request while serving";
  EXPECT_FALSE(s.claim(4)) << "another request's reply";
  EXPECT_TRUE(s.claim(2));
  EXPECT_EQ(s.phase(), EntryPhase::answered);
  EXPECT_FALSE(s.claim(2)) << "a second reply";
  EXPECT_TRUE(s.start_commit());
  EXPECT_FALSE(s.start_commit()) << "committed twice";
  EXPECT_EQ(s.phase(), EntryPhase::committing);
  EXPECT_FALSE(s.claim(2)) << "a late reply";
  EXPECT_TRUE(s.start_serving(6));
  s.end();
  EXPECT_EQ(s.phase(), EntryPhase::ended);
  EXPECT_FALSE(s.claim(6)) << "a reply after the entry ended";
  EXPECT_FALSE(s.start_commit());
  EXPECT_FALSE(s.start_serving(8));
}

TEST(EntryState, OneOfManyRacingClaimsWins) {
  for (int round = 0; round < 200; ++round) {
    detail::EntryState s;
    s.start_register();
    s.start_serving(42);
    std::atomic<int> wins{0};
    std::vector<std::thread> t;
    for (int i = 0; i < 4; ++i) t.emplace_back([&] { wins += s.claim(42); });
    for (auto& x : t) x.join();
    ASSERT_EQ(wins.load(), 1);
  }
}

// ---- RingEntry through the protocol core ----

class RingEntries : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(kernel.init().error, 0); }
  RecordingFs fs;
  FakeKernel kernel{fs, implemented_operations<RecordingFs>()};
  FakeRing ring{4};
};

TEST_F(RingEntries, InlineReplyCommitsOnce) {
  ASSERT_TRUE(ring.deliver(0, getattr(10), sizeof(abi::fuse_getattr_in)));
  ring.serve(kernel.connection(), 0);
  auto c = ring.commits();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].commit_id, 10u);
  EXPECT_EQ(c[0].unique, 10u);
  EXPECT_EQ(c[0].error, 0);
  EXPECT_EQ(c[0].payload, sizeof(abi::fuse_attr_out));
  EXPECT_EQ(ring.entry(0).state.phase(), EntryPhase::committing);
}

TEST_F(RingEntries, SecondAndForeignUniqueRepliesAreRefused) {
  ASSERT_TRUE(ring.deliver(1, getattr(20), sizeof(abi::fuse_getattr_in)));
  RingEntry& e = ring.entry(1);
  e.send(21, -EAGAIN, {});  // e.g. a stale interrupt's answer: not this entry's request
  EXPECT_TRUE(ring.commits().empty());
  e.send(20, -ENOENT, {});
  e.send(20, -EIO, {});  // a second answer
  auto c = ring.commits();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].error, -ENOENT);
  // The kernel gives the entry its next request; the old request's late reply is refused.
  ASSERT_TRUE(ring.deliver(1, getattr(22), sizeof(abi::fuse_getattr_in)));
  e.send(20, 0, {});
  EXPECT_EQ(ring.commits().size(), 1u);
  e.send(22, 0, {});
  EXPECT_EQ(ring.commits_per_request(), (std::map<std::uint64_t, int>{{20, 1}, {22, 1}}));
}

TEST_F(RingEntries, RequestOnABusyEntryIsRefused) {
  ASSERT_TRUE(ring.deliver(2, getattr(30), sizeof(abi::fuse_getattr_in)));
  EXPECT_FALSE(ring.deliver(2, getattr(32), sizeof(abi::fuse_getattr_in)));
}

TEST_F(RingEntries, NoReplyRequestsAreCommittedEmptyOnce) {
  abi::fuse_forget_in forget{1};
  ASSERT_TRUE(ring.deliver(3, RequestBuilder(Opcode::FORGET, 40, 5).arg(forget), sizeof forget));
  ring.serve(kernel.connection(), 3);
  ring.entry(3).finish_without_reply(40);  // as the ring thread does after the handler
  ring.entry(3).finish_without_reply(40);
  auto c = ring.commits();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].unique, 40u);  // the kernel checks the unique even for these
  EXPECT_EQ(c[0].error, 0);
  EXPECT_EQ(c[0].payload, 0u);
}

// A deferred reply from another thread is handed over, committed by the owner once.
TEST_F(RingEntries, ForeignRepliesRaceButCommitOnce) {
  for (std::uint64_t round = 0; round < 100; ++round) {
    std::uint64_t unique = 100 + 2 * round;
    ASSERT_TRUE(ring.deliver(0, getattr(unique), sizeof(abi::fuse_getattr_in)));
    std::vector<std::thread> repliers;
    for (int i = 0; i < 3; ++i) repliers.emplace_back([&, i] { ring.entry(0).send(unique, -i, {}); });
    for (auto& t : repliers) t.join();
    ring.drain_foreign();
  }
  for (auto& [id, n] : ring.commits_per_request()) EXPECT_EQ(n, 1) << "request " << id;
  EXPECT_EQ(ring.commits().size(), 100u);
}

// The storm's failure: a parked interrupt turns stale while requests are served on
// ring entries. Its EAGAIN goes to /dev/fuse; every entry is committed once, with
// its own request's unique.
TEST_F(RingEntries, StaleInterruptDoesNotCommitARingEntry) {
  kernel.connection().interrupts().set_stale_after(std::chrono::milliseconds(0));
  abi::fuse_interrupt_in in{8};
  EXPECT_TRUE(kernel.feed(RequestBuilder(Opcode::INTERRUPT, 9).arg(in)).empty());
  const std::uint64_t n = 40;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t unique = 1000 + 2 * i;
    ASSERT_TRUE(ring.deliver(i % 4, getattr(unique), sizeof(abi::fuse_getattr_in))) << i;
    ring.serve(kernel.connection(), i % 4);
  }
  auto c = ring.commits();
  ASSERT_EQ(c.size(), n);
  for (auto& x : c) {
    EXPECT_EQ(x.unique, x.commit_id);
    EXPECT_EQ(x.error, 0);
  }
  auto dev = kernel.take();
  ASSERT_EQ(dev.size(), 1u);
  EXPECT_EQ(dev[0].unique, 9u);
  EXPECT_EQ(dev[0].error, -EAGAIN);
}

}  // namespace
}  // namespace uringfuse::test
