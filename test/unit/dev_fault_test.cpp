// Faults of /dev/fuse as the classic transport meets them, injected through
// DeviceIo: reads that must be retried (EINTR, EAGAIN, ENOENT), reads that end the
// session (ENODEV quietly, anything else with a log line; on_end once either way),
// and replies that fail to go out (short, ENOENT, ENODEV, other errors), after which
// the transport keeps serving.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <functional>
#include <thread>

#include "abi/fuse_abi.hpp"
#include "fake_device.hpp"
#include "log_capture.hpp"
#include "transport/dev/dev_transport.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kBody = 0x1122334455667788;

// Answers every request with an eight-byte body, or holds it while the gate is shut.
class BodyHandler final : public detail::RequestHandler {
 public:
  void handle(const detail::RawRequest& raw, RequestSlot& slot) noexcept override {
    ReplyTarget& target = *slot.target;
    abi::fuse_in_header h;
    std::memcpy(&h, raw.header.data(), sizeof h);
    {
      std::unique_lock lock(mutex_);
      ++held_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      --held_;
    }
    std::uint64_t body = kBody;
    iovec part{&body, sizeof body};
    target.send(h.unique, 0, {&part, 1});
  }
  std::size_t request_buffer_size() const noexcept override { return 8192; }

  void shut() { set_open(false); }
  void open() { set_open(true); }
  bool wait_held(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 5s, [&] { return held_ == n; });
  }

 private:
  void set_open(bool is_open) {
    std::lock_guard lock(mutex_);
    open_ = is_open;
    cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  int held_ = 0;
  bool open_ = true;
};

detail::DevTransportConfig config(int fd, detail::DeviceIo& io, unsigned max_threads = 1) {
  detail::DevTransportConfig c;
  c.fd = fd;
  c.single_thread = max_threads == 1;
  c.max_threads = max_threads;
  c.io = &io;
  return c;
}

// The whole reply the kernel would read for `unique`.
std::vector<std::byte> expected_reply(std::uint64_t unique) {
  abi::fuse_out_header out{};
  out.len = sizeof out + sizeof kBody;
  out.unique = unique;
  std::vector<std::byte> bytes(out.len);
  std::memcpy(bytes.data(), &out, sizeof out);
  std::memcpy(bytes.data() + sizeof out, &kBody, sizeof kBody);
  return bytes;
}

// Counts on_end calls and lets a test wait for the first.
struct EndCounter {
  std::atomic<int> calls{0};
  bool wait() {
    for (int i = 0; i < 500 && calls.load() == 0; ++i) std::this_thread::sleep_for(10ms);
    return calls.load() > 0;
  }
};

// A transport on a fake device through scripted I/O. However a test leaves, the
// kernel side closes and the workers are joined, so a failed assertion cannot hang.
struct Rig {
  explicit Rig(unsigned max_threads = 1)
      : transport(config(dev.daemon_fd(), io, max_threads), handler, [this] { ++end.calls; }) {}
  ~Rig() {
    dev.close_kernel_side();
    handler.open();
    transport.join();
  }
  void start() { transport.start(); }

  FakeDevice dev;
  ScriptedIo io;
  BodyHandler handler;
  EndCounter end;
  detail::DevTransport transport;
};

TEST(DevFault, ReadsInterruptedOrEmptyAreRetried) {
  LogCapture log;
  Rig rig;
  rig.io.fail_reads({EINTR, EAGAIN, ENOENT, EINTR});
  rig.start();
  rig.dev.send_request(1);
  EXPECT_EQ(rig.dev.read_message(), expected_reply(1));
  EXPECT_GE(rig.io.reads(), 5);  // four faults, then the request
  EXPECT_EQ(rig.end.calls.load(), 0);
  EXPECT_EQ(log.count(LogLevel::err, ""), 0) << log.all();
  rig.dev.close_kernel_side();
  rig.transport.join();
  EXPECT_EQ(rig.end.calls.load(), 1);
}

TEST(DevFault, EnodevEndsTheSessionQuietlyAndOnce) {
  LogCapture log;
  Rig rig(4);
  rig.start();
  rig.handler.shut();
  for (std::uint64_t u = 1; u <= 3; ++u) rig.dev.send_request(u);
  ASSERT_TRUE(rig.handler.wait_held(3));  // three busy workers and a fourth reading
  rig.dev.close_kernel_side();            // every read and write now fails with ENODEV
  ASSERT_TRUE(rig.end.wait());
  rig.handler.open();  // the three replies find the connection gone, then their reads too
  rig.transport.join();
  EXPECT_TRUE(rig.transport.all_stopped());
  EXPECT_EQ(rig.end.calls.load(), 1);
  EXPECT_EQ(log.count(LogLevel::err, ""), 0) << log.all();
  EXPECT_EQ(log.count(LogLevel::debug, "uringfuse: /dev/fuse: the connection has ended"), 4)
      << log.all();
  EXPECT_EQ(log.count(LogLevel::debug, "not sent: the connection has ended"), 3) << log.all();
}

TEST(DevFault, OtherReadErrorEndsTheSessionWithALogLine) {
  LogCapture log;
  Rig rig;
  rig.io.fail_reads({EINTR, EIO});
  rig.start();
  ASSERT_TRUE(rig.end.wait());
  rig.transport.join();
  EXPECT_EQ(rig.end.calls.load(), 1);
  EXPECT_EQ(rig.io.reads(), 2);  // EINTR retried, EIO final
  EXPECT_EQ(log.count(LogLevel::err,
                      "uringfuse: reading /dev/fuse: Input/output error; the session ends"),
            1)
      << log.all();
  rig.dev.send_request(9);  // nobody reads any more: no reply
  EXPECT_FALSE(rig.dev.read_message(100));
}

TEST(DevFault, ShortWriteOfAReplyIsLoggedAndServingGoesOn) {
  LogCapture log;
  Rig rig;
  rig.io.fail_writes({WriteFault{0, 10}});
  rig.start();
  rig.dev.send_request(1);
  auto whole = expected_reply(1);
  EXPECT_EQ(rig.dev.read_message(), std::vector<std::byte>(whole.begin(), whole.begin() + 10));
  rig.dev.send_request(2);
  EXPECT_EQ(rig.dev.read_message(), expected_reply(2));
  // One worker: by now it has finished with #1, log line included.
  EXPECT_EQ(
      log.count(LogLevel::err, "uringfuse: short write of reply #1 to /dev/fuse: 10 of 24 bytes"),
      1)
      << log.all();
  EXPECT_EQ(log.count(LogLevel::err, ""), 1) << log.all();  // one line, not two
  EXPECT_EQ(rig.end.calls.load(), 0);
}

TEST(DevFault, EnoentOnWriteIsIgnoredAndLoggedAtDebug) {
  LogCapture log;
  Rig rig;
  rig.io.fail_writes({WriteFault{ENOENT, 0}});
  rig.start();
  rig.dev.send_request(1);  // interrupted: the kernel no longer wants the answer
  rig.dev.send_request(2);
  EXPECT_EQ(rig.dev.read_message(), expected_reply(2));
  EXPECT_EQ(rig.io.writes(), 2);
  EXPECT_EQ(
      log.count(
          LogLevel::debug,
          "uringfuse: reply #1 dropped by the kernel: the request was interrupted or aborted"),
      1)
      << log.all();
  EXPECT_EQ(log.count(LogLevel::err, ""), 0) << log.all();
  EXPECT_EQ(rig.end.calls.load(), 0);
}

TEST(DevFault, OtherWriteErrorsAreLoggedAndEintrIsRetried) {
  LogCapture log;
  Rig rig;
  rig.io.fail_writes({WriteFault{EINVAL, 0}, WriteFault{EINTR, 0}});
  rig.start();
  rig.dev.send_request(1);  // EINVAL: lost, logged
  rig.dev.send_request(2);  // EINTR, then written
  EXPECT_EQ(rig.dev.read_message(), expected_reply(2));
  EXPECT_FALSE(rig.dev.read_message(100));  // and nothing else
  EXPECT_EQ(rig.io.writes(), 3);
  EXPECT_EQ(log.count(LogLevel::err, "uringfuse: writing reply #1 to /dev/fuse: Invalid argument"),
            1)
      << log.all();
  EXPECT_EQ(log.count(LogLevel::err, ""), 1) << log.all();
  EXPECT_EQ(rig.end.calls.load(), 0);
}

// Notifications report their failures to the caller instead of logging them, except
// a short write, which only the target can see.
TEST(DevFault, ShortWriteOfANotificationAnswersEio) {
  LogCapture log;
  FakeDevice dev;
  ScriptedIo io;
  io.fail_writes({WriteFault{0, 4}, WriteFault{ENOENT, 0}});
  detail::DevReplyTarget target(dev.daemon_fd(), [&](int fd, iovec* parts, int count) {
    return io.writev(fd, parts, count);
  });
  std::uint64_t body = kBody;
  iovec part{&body, sizeof body};
  EXPECT_EQ(target.notify(static_cast<int>(abi::NotifyCode::INVAL_INODE), {&part, 1}), EIO);
  EXPECT_EQ(log.count(LogLevel::err,
                      "uringfuse: short write of notification #0 to /dev/fuse: 4 of 24 bytes"),
            1)
      << log.all();
  EXPECT_EQ(target.notify(static_cast<int>(abi::NotifyCode::INVAL_INODE), {&part, 1}), ENOENT);
  EXPECT_EQ(log.count(LogLevel::err, ""), 1) << log.all();  // ENOENT is the caller's answer
}

}  // namespace
}  // namespace uringfuse::test
