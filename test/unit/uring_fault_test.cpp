// io_uring faults without a FUSE mount: what each completion result makes a ring
// entry do (and a real ring whose commands all fail), and ring start-up failing for
// want of memory (injected through the buffer factory), which must fall back to
// /dev/fuse, say why, and free every ring and buffer already made.
#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <string_view>
#include <system_error>

#include "abi/init_flags.hpp"
#include "fake_kernel.hpp"
#include "log_capture.hpp"
#include "session/uring_starter.hpp"
#include "test_filesystem.hpp"
#include "transport/uring/completion_action.hpp"
#include "transport/uring/ring_queue.hpp"

namespace uringfuse::test {
namespace {

using detail::completion_action;
using detail::CompletionAction;

TEST(UringCompletion, ZeroCarriesARequest) {
  EXPECT_EQ(completion_action(0), CompletionAction::serve);
}

TEST(UringCompletion, CommandsThatDidNotRunAreResubmitted) {
  EXPECT_EQ(completion_action(-EAGAIN), CompletionAction::resubmit);
  EXPECT_EQ(completion_action(-EINTR), CompletionAction::resubmit);
}

TEST(UringCompletion, TeardownEndsTheEntryQuietly) {
  EXPECT_EQ(completion_action(-ENOTCONN), CompletionAction::end);   // unmounted, aborted
  EXPECT_EQ(completion_action(-ENODEV), CompletionAction::end);     // device gone
  EXPECT_EQ(completion_action(-ECANCELED), CompletionAction::end);  // ring torn down
}

TEST(UringCompletion, AnythingElseEndsTheEntryWithALogLine) {
  for (int res : {-EINVAL, -EOPNOTSUPP, -ENOMEM, -EFAULT, -EBUSY, -EIO, -EPERM, 1, 4096})
    EXPECT_EQ(completion_action(res), CompletionAction::fail) << res;
}

bool io_uring_usable() {
  io_uring ring;
  if (io_uring_queue_init(2, &ring, IORING_SETUP_SQE128) < 0) return false;
  io_uring_queue_exit(&ring);
  return true;
}

// Without io_uring these cannot run: a skip elsewhere, a failure under CI (CI=true),
// where the kernel has it and a skip would hide a broken set-up.
#define REQUIRE_IO_URING()                                                       \
  do {                                                                           \
    if (!io_uring_usable()) {                                                    \
      const char* ci = std::getenv("CI");                                        \
      if (ci && std::string_view(ci) == "true") FAIL() << "io_uring unavailable"; \
      GTEST_SKIP() << "io_uring is not available here";                          \
    }                                                                            \
  } while (0)

// Must never see a request: every command of the queue below fails.
class NoRequests final : public detail::RequestHandler {
 public:
  void handle(const detail::RawRequest&, RequestSlot&) noexcept override {
    ADD_FAILURE() << "a request arrived";
  }
  std::size_t request_buffer_size() const noexcept override { return 8192; }
};

// A real ring whose "device" is an eventfd, which knows no uring commands: each
// REGISTER completes with -EOPNOTSUPP. Every entry must end with a log line, and the
// queue with them, instead of resubmitting forever.
TEST(UringCompletion, FailedRegistersEndTheQueueWithALogLine) {
  REQUIRE_IO_URING();
  LogCapture log;
  int not_fuse = ::eventfd(0, EFD_CLOEXEC);  // /dev/null answers them on recent kernels
  ASSERT_GE(not_fuse, 0);
  NoRequests handler;
  {
    detail::RingQueue q(0, 0, 3, not_fuse, handler);
    q.setup(8192, false);
    q.submit_registers();
    for (int i = 0; i < 20 && q.alive(); ++i) {
      q.wake();  // a completion is always due, so the wait cannot hang
      q.submit_and_wait(std::chrono::microseconds(0));
      q.process_completions();
    }
    EXPECT_FALSE(q.alive());
  }
  ::close(not_fuse);
  EXPECT_EQ(
      log.count(LogLevel::err,
                "uringfuse: uring:q0: REGISTER failed: Operation not supported; the entry ends"),
      3)
      << log.all();
}

// The buffer factory the rings get in these tests. Function pointers carry no state,
// so the script lives here; tests run one at a time.
enum class Fault { system_error, bad_alloc, non_standard };
std::atomic<int> g_made{0}, g_live{0}, g_fail_at{1};
Fault g_fault = Fault::system_error;

// Real buffers, counted, so a test can see every one freed again.
class CountedBuffers final : public detail::BufferProvider {
 public:
  explicit CountedBuffers(std::unique_ptr<detail::BufferProvider> inner)
      : inner_(std::move(inner)) {
    ++g_live;
  }
  ~CountedBuffers() override { --g_live; }
  detail::EntryBuffers entry(std::size_t i) override { return inner_->entry(i); }
  std::size_t bytes() const override { return inner_->bytes(); }

 private:
  std::unique_ptr<detail::BufferProvider> inner_;
};

// The g_fail_at-th queue's buffers cannot be had; the others can.
std::unique_ptr<detail::BufferProvider> failing_buffers(int cpu, std::size_t entries,
                                                        std::size_t payload) {
  if (++g_made == g_fail_at.load()) {
    switch (g_fault) {
      case Fault::system_error:
        throw std::system_error(ENOMEM, std::generic_category(), "mmap ring buffers");
      case Fault::bad_alloc:
        throw std::bad_alloc();
      case Fault::non_standard:
        throw 42;
    }
  }
  return std::make_unique<CountedBuffers>(detail::make_numa_buffers(cpu, entries, payload));
}

// INIT offering FUSE_OVER_IO_URING to a session that asked for it, with the rings'
// buffers failing as scripted. Returns the INIT reply.
struct StartUp {
  explicit StartUp(Fault fault) {
    g_made = 0;
    g_live = 0;
    g_fault = fault;
    g_fail_at = static_cast<int>(detail::uring_queue_count());  // the last one made fails
    detail::UringTransportConfig uc;
    uc.dev_fd = device[0];
    uc.depth = 2;
    uc.pin = false;
    uc.make_buffers = failing_buffers;
    starter = std::make_unique<detail::SessionUringStarter>(uc, handler);
    kernel = std::make_unique<FakeKernel>(fs, implemented_operations<RecordingFs>(), detail::Trace::off,
                                          starter.get());
    handler = &kernel->connection();
  }
  ~StartUp() {
    ::close(device[0]);
    ::close(device[1]);
  }
  CapturedReply init() {
    return kernel->init(FakeKernel::default_kernel_flags() | abi::init_flag::OVER_IO_URING);
  }

  int device[2] = {-1, -1};
  int made_socket =
      ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, device);  // stands in for /dev/fuse
  RecordingFs fs;
  detail::RequestHandler* handler = nullptr;
  std::unique_ptr<detail::SessionUringStarter> starter;
  std::unique_ptr<FakeKernel> kernel;
};

bool offers_uring(const CapturedReply& init) {
  auto out = init.as<abi::fuse_init_out>();
  return abi::join_flags(out.flags, out.flags2) & abi::init_flag::OVER_IO_URING;
}

void expect_fallback(Fault fault, const char* why) {
  REQUIRE_IO_URING();
  LogCapture log(LogLevel::info);
  StartUp s(fault);
  ASSERT_EQ(s.made_socket, 0);
  auto init = s.init();
  ASSERT_EQ(init.error, 0);
  EXPECT_FALSE(offers_uring(init));  // the kernel keeps using /dev/fuse
  EXPECT_FALSE(s.kernel->connection().uring_active());
  EXPECT_EQ(s.starter->transport(), nullptr);
  EXPECT_EQ(g_made.load(), static_cast<int>(detail::uring_queue_count()));
  EXPECT_EQ(g_live.load(), 0);  // every queue's buffers freed (and, with them, its ring: ASan)
  std::string line = std::string("uringfuse: io_uring unavailable: ") + why + " (the rings needed ";
  EXPECT_EQ(log.count(LogLevel::warning, line), 1) << log.all();
  EXPECT_EQ(log.count(LogLevel::warning, "serving /dev/fuse instead"), 1) << log.all();
  // And /dev/fuse serves.
  auto r = s.kernel->feed(RequestBuilder(abi::Opcode::STATFS, 2));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, 0);
}

TEST(UringStartUp, BufferMappingFailsAndDevFuseServes) {
  expect_fallback(Fault::system_error, "mmap ring buffers: Cannot allocate memory");
}

TEST(UringStartUp, BadAllocFallsBackToDevFuse) {
  expect_fallback(Fault::bad_alloc, "std::bad_alloc");
}

TEST(UringStartUp, NonStandardThrowFallsBackToDevFuse) {
  expect_fallback(Fault::non_standard, "setting up a ring threw a non-standard exception");
}

}  // namespace
}  // namespace uringfuse::test
