// The /dev/fuse transport against a SOCK_SEQPACKET socketpair standing in for the
// device (it keeps message boundaries like /dev/fuse): the pool grows while every
// worker is busy, never beyond max_threads, sheds idle workers, and ends cleanly.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <set>
#include <thread>

#include "abi/fuse_abi.hpp"
#include "fake_device.hpp"
#include "transport/dev/dev_transport.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

// Holds each request until released, counting how many are in flight at once.
class GateHandler final : public detail::RequestHandler {
 public:
  void handle(const detail::RawRequest& raw, RequestSlot& slot) noexcept override {
    ReplyTarget& target = *slot.target;
    abi::fuse_in_header h;
    std::memcpy(&h, raw.header.data(), sizeof h);
    std::unique_lock lock(mutex_);
    ++in_flight_;
    peak_ = std::max(peak_, in_flight_);
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_ > 0 || open_; });
    if (!open_) --released_;
    --in_flight_;
    lock.unlock();
    target.send(h.unique, 0, {});
  }
  std::size_t request_buffer_size() const noexcept override { return 8192; }

  void release_one() {
    std::lock_guard lock(mutex_);
    ++released_;
    cv_.notify_all();
  }
  void open_gate() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait_in_flight(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 5s, [&] { return in_flight_ == n; });
  }
  int peak() {
    std::lock_guard lock(mutex_);
    return peak_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int in_flight_ = 0, peak_ = 0, released_ = 0;
  bool open_ = false;
};

detail::DevTransportConfig config(int fd, unsigned max_threads, unsigned max_idle, bool single) {
  detail::DevTransportConfig c;
  c.fd = fd;
  c.max_threads = max_threads;
  c.max_idle_threads = max_idle;
  c.single_thread = single;
  return c;
}

TEST(DevTransport, PoolGrowsWhileBusyButNotPastMaxThreads) {
  FakeDevice dev;
  GateHandler handler;
  std::atomic<int> ended{0};
  detail::DevTransport t(config(dev.daemon_fd(), 4, 10, false), handler, [&] { ++ended; });
  t.start();
  for (std::uint64_t u = 1; u <= 10; ++u) dev.send_request(u);
  ASSERT_TRUE(handler.wait_in_flight(4));
  std::this_thread::sleep_for(100ms);  // would a fifth worker appear?
  EXPECT_EQ(handler.peak(), 4);
  EXPECT_LE(t.thread_count(), 4u);
  handler.open_gate();
  std::set<std::uint64_t> answered;
  for (int i = 0; i < 10; ++i) {
    auto out = dev.read_reply();
    EXPECT_EQ(out.len, sizeof out);
    EXPECT_EQ(out.error, 0);
    answered.insert(out.unique);
  }
  EXPECT_EQ(answered.size(), 10u);
  dev.close_kernel_side();
  t.join();
  EXPECT_EQ(ended.load(), 1);
}

TEST(DevTransport, SingleThreadServesOneAtATime) {
  FakeDevice dev;
  GateHandler handler;
  detail::DevTransport t(config(dev.daemon_fd(), 10, 10, true), handler, [] {});
  t.start();
  for (std::uint64_t u = 1; u <= 3; ++u) dev.send_request(u);
  ASSERT_TRUE(handler.wait_in_flight(1));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(handler.peak(), 1);
  EXPECT_EQ(t.thread_count(), 1u);
  handler.open_gate();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(dev.read_reply().error, 0);
  dev.close_kernel_side();
  t.join();
}

TEST(DevTransport, IdleWorkersAreShed) {
  FakeDevice dev;
  GateHandler handler;
  detail::DevTransport t(config(dev.daemon_fd(), 6, 2, false), handler, [] {});
  t.start();
  for (std::uint64_t u = 1; u <= 6; ++u) dev.send_request(u);
  ASSERT_TRUE(handler.wait_in_flight(6));
  // Release one at a time: each finished worker sees how many already wait idle.
  for (int i = 0; i < 6; ++i) {
    handler.release_one();
    EXPECT_EQ(dev.read_reply().error, 0);
    std::this_thread::sleep_for(30ms);
  }
  for (int i = 0; i < 100 && t.thread_count() > 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(t.thread_count(), 2u);
  dev.close_kernel_side();
  t.join();
  EXPECT_TRUE(t.all_stopped());
}

// Answers everything but FORGET at once.
class QuickHandler final : public detail::RequestHandler {
 public:
  void handle(const detail::RawRequest& raw, RequestSlot& slot) noexcept override {
    ReplyTarget& target = *slot.target;
    abi::fuse_in_header h;
    std::memcpy(&h, raw.header.data(), sizeof h);
    if (h.opcode != static_cast<std::uint32_t>(abi::Opcode::FORGET)) target.send(h.unique, 0, {});
  }
  std::size_t request_buffer_size() const noexcept override { return 8192; }
};

// How long the request after a FORGET waits for its answer.
std::chrono::milliseconds delay_after_forget(bool rings_serve) {
  FakeDevice dev;
  QuickHandler handler;
  std::atomic<bool> flag{rings_serve};
  auto c = config(dev.daemon_fd(), 1, 1, true);
  c.rings_active = &flag;
  c.forget_pause = 400ms;
  detail::DevTransport t(c, handler, [] {});
  t.start();
  dev.send_request(1, abi::Opcode::FORGET);
  std::this_thread::sleep_for(50ms);  // the FORGET is read; the reader now pauses (or not)
  auto start = std::chrono::steady_clock::now();
  dev.send_request(2);
  EXPECT_EQ(dev.read_reply().unique, 2u);
  auto waited = std::chrono::steady_clock::now() - start;
  dev.close_kernel_side();
  t.join();
  return std::chrono::duration_cast<std::chrono::milliseconds>(waited);
}

TEST(DevTransport, OneReaderWhileRingsServe) {
  FakeDevice dev;
  GateHandler handler;
  std::atomic<bool> rings{true};
  auto c = config(dev.daemon_fd(), 4, 10, false);
  c.rings_active = &rings;
  detail::DevTransport t(c, handler, [] {});
  t.start();
  for (std::uint64_t u = 1; u <= 3; ++u) dev.send_request(u);
  ASSERT_TRUE(handler.wait_in_flight(1));
  std::this_thread::sleep_for(100ms);  // a busy pool would add a reader now
  EXPECT_EQ(handler.peak(), 1);
  EXPECT_EQ(t.thread_count(), 1u);
  handler.open_gate();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(dev.read_reply().error, 0);
  dev.close_kernel_side();
  t.join();
}

TEST(DevTransport, ReaderPausesAfterForgetOnlyWhileRingsServe) {
  EXPECT_GE(delay_after_forget(true), 250ms);  // 400 ms pause less the 50 ms already spent
  EXPECT_LT(delay_after_forget(false), 250ms);
}

}  // namespace
}  // namespace uringfuse::test
