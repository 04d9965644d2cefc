// Coroutine handlers (uringfuse/task.hpp, async_io.hpp) over every transport that
// can run more than one at a time: async_fs.cpp does all its backend I/O through
// Request::io(). Over io_uring the operations go on the request's ring, so even one
// ring thread with no helpers (-s) holds many requests at once; elsewhere they run
// on the handler's thread.
//
// dev_single is left out: there the operations block the only thread, so gathering
// requests or reading an interrupt while one waits cannot work (doc/async.md).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../support/example_mount.hpp"
#include "async_pattern.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

std::vector<Transport> async_transports() {
  auto all = all_transports();
  all.erase(std::remove_if(all.begin(), all.end(), [](const Transport& t) { return t.name == "dev_single"; }),
            all.end());
  all.push_back({"uring_single", {"-s", "-o", "io_uring"}, "via=uring:q"});
  return all;
}

std::string read_small(const std::string& path, int* err = nullptr) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    if (err) *err = errno;
    return {};
  }
  char buf[128];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  if (err) *err = n < 0 ? errno : 0;
  ::close(fd);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

unsigned long long allocations(const std::string& mnt) {
  auto text = read_small(mnt + "/stats");
  return text.starts_with("allocs=") ? std::stoull(text.substr(7)) : 0;
}

void on_signal(int) {}

class AsyncHandlers : public ExampleMount<::testing::TestWithParam<Transport>> {
 protected:
  void SetUp() override {
    ExampleMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    start_daemon(built_program("test/mount/async_fs"), GetParam().args);
  }
  std::string stop_with_sigterm() {
    daemon_->signal(SIGTERM);
    auto status = daemon_->wait(15s);
    EXPECT_TRUE(status.has_value()) << "the daemon did not exit:\n" << daemon_->output();
    if (status) {
      EXPECT_EQ(*status, 0) << daemon_->output();
    }
    return daemon_->output();
  }
  void expect_ring_carried_io(const std::string& log) {
    if (!GetParam().uring()) return;
    auto c = uring_exit_totals(log);
    EXPECT_GT(c.backend_ops, 0u) << log;
    EXPECT_EQ(c.requests, c.replies) << "requests and replies do not balance:\n" << log;
  }
};

// Reads at random offsets from several threads, every byte checked; writes, each
// read back. Every step is an awaited operation (openat, statx, read, write, fsync,
// close).
TEST_P(AsyncHandlers, ReadsAndWritesEveryByte) {
  const std::string data = mnt_ + "/data";
  struct stat st {};
  ASSERT_EQ(::stat(data.c_str(), &st), 0);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), kPatternSize);
  std::vector<std::future<std::string>> readers;
  for (unsigned t = 0; t < 4; ++t)
    readers.push_back(std::async(std::launch::async, [&, t]() -> std::string {
      int fd = ::open(data.c_str(), O_RDONLY);
      if (fd < 0) return "open: " + std::string(std::strerror(errno));
      std::mt19937 rng(t);
      std::vector<unsigned char> buf(64 * 1024);
      for (int i = 0; i < 300; ++i) {
        std::size_t len = 1 + rng() % buf.size();
        std::size_t off = rng() % kPatternSize;
        ssize_t n = ::pread(fd, buf.data(), len, static_cast<off_t>(off));
        std::size_t want = std::min(len, kPatternSize - off);
        if (n != static_cast<ssize_t>(want)) return "short read at " + std::to_string(off);
        for (std::size_t k = 0; k < want; ++k)
          if (buf[k] != pattern_byte(off + k)) return "wrong byte at " + std::to_string(off + k);
      }
      ::close(fd);
      return "";
    }));
  for (auto& r : readers) {
    ASSERT_EQ(r.wait_for(25s), std::future_status::ready);
    EXPECT_EQ(r.get(), "");
  }
  int fd = ::open(data.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  for (unsigned i = 0; i < 20; ++i) {
    std::string chunk(5000 + i * 97, static_cast<char>('a' + i));
    off_t off = static_cast<off_t>(i) * 40000;
    ASSERT_EQ(::pwrite(fd, chunk.data(), chunk.size(), off), static_cast<ssize_t>(chunk.size()));
    std::string back(chunk.size(), '\0');
    ASSERT_EQ(::pread(fd, back.data(), back.size(), off), static_cast<ssize_t>(back.size()));
    EXPECT_EQ(back, chunk) << "write " << i;
  }
  ::close(fd);
  EXPECT_EQ(read_small(mnt_ + "/echo"), "0") << "send/recv through a socketpair";
  expect_ring_carried_io(stop_with_sigterm());
}

// Sixteen reads that each wait until all sixteen are in flight: one handler at a
// time per thread would answer EIO after 20 s. Over io_uring with -s there is one
// thread per queue and no helper: the ring alone holds them. On /dev/fuse the
// waits block pool threads, so four (max_threads=4).
TEST_P(AsyncHandlers, SixteenWaitingHandlersAreInFlightTogether) {
  const int n = GetParam().uring() ? 16 : 4;
  for (int round = 0; round < 5; ++round) {
    std::vector<std::future<int>> done;
    for (int i = 0; i < n; ++i)
      done.push_back(std::async(std::launch::async, [path = mnt_ + "/gather" + std::to_string(n)] {
        int err = 0;
        read_small(path, &err);
        return err;
      }));
    for (auto& f : done) {
      ASSERT_EQ(f.wait_for(25s), std::future_status::ready) << "a reader hangs";
      EXPECT_EQ(f.get(), 0) << "waiting handlers were not in flight together";
    }
  }
  auto log = stop_with_sigterm();
  expect_ring_carried_io(log);
  if (GetParam().name == "uring_single") {
    EXPECT_EQ(log.find("handlers handed on 0, leads stolen 0, 1 threads") != std::string::npos, true)
        << "-s should serve each ring from its own thread alone:\n" << log;
  }
}

// A signal to the caller cancels the awaited 30 s timeout: EINTR at once.
TEST_P(AsyncHandlers, AnInterruptCancelsTheAwaitedOperation) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: the read returns EINTR
  struct sigaction old {};
  ASSERT_EQ(::sigaction(SIGUSR1, &sa, &old), 0);
  for (int round = 0; round < 3; ++round) {
    std::atomic<pthread_t> reader_thread{};
    std::atomic<bool> started{false};
    const auto began = std::chrono::steady_clock::now();
    auto reader = std::async(std::launch::async, [&] {
      reader_thread = pthread_self();
      started = true;
      int err = 0;
      read_small(mnt_ + "/sleep", &err);
      return err;
    });
    while (!started) std::this_thread::sleep_for(1ms);
    // Until the read returns: the first signals may come before the request is out.
    while (reader.wait_for(100ms) == std::future_status::timeout) {
      ASSERT_LT(std::chrono::steady_clock::now() - began, 20s) << "the interrupt did not cancel the wait";
      pthread_kill(reader_thread.load(), SIGUSR1);
    }
    EXPECT_EQ(reader.get(), EINTR);
  }
  ::sigaction(SIGUSR1, &old, nullptr);
  expect_ring_carried_io(stop_with_sigterm());
}

// An exception after a co_await: the frame's reply answers EIO, the daemon goes on.
TEST_P(AsyncHandlers, AHandlerThatThrowsAfterAwaitingAnswersEio) {
  int err = 0;
  read_small(mnt_ + "/throw", &err);
  EXPECT_EQ(err, EIO);
  EXPECT_EQ(read_small(mnt_ + "/echo"), "0");
  auto log = stop_with_sigterm();
  EXPECT_NE(log.find("asynchronous handler threw: thrown on purpose"), std::string::npos) << log;
}

// SIGTERM while a coroutine waits: its operation is cancelled, the frame finishes,
// and the daemon exits cleanly (under ASan a leaked frame fails the exit status).
TEST_P(AsyncHandlers, SigtermWhileACoroutineWaitsEndsIt) {
  auto reader = std::async(std::launch::async, [path = mnt_ + "/sleep"] {
    int err = 0;
    read_small(path, &err);
    return err;
  });
  ASSERT_EQ(reader.wait_for(300ms), std::future_status::timeout) << "/sleep did not wait";
  const auto began = std::chrono::steady_clock::now();
  stop_with_sigterm();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 10s);
  ASSERT_EQ(reader.wait_for(15s), std::future_status::ready) << "the reader still waits";
  EXPECT_NE(reader.get(), 0);
  allow_kernel_fuse_messages();  // the busy connection is aborted
}

// The ring's hot path allocates nothing per request but the coroutine frame.
class RingAsyncHandlers : public AsyncHandlers {};

TEST_P(RingAsyncHandlers, ARequestAllocatesOnlyItsCoroutineFrame) {
  int fd = ::open((mnt_ + "/data").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[4096];
  for (int i = 0; i < 200; ++i) ASSERT_EQ(::pread(fd, buf, sizeof buf, 0), 4096);  // warm the caches
  const auto before = allocations(mnt_);
  constexpr int kReads = 2000;
  for (int i = 0; i < kReads; ++i) ASSERT_EQ(::pread(fd, buf, sizeof buf, (i % 200) * 4096), 4096);
  const auto after = allocations(mnt_);
  ::close(fd);
  ASSERT_GT(before, 0u);
  // One frame per read; the two /stats reads (lookup, open, read, release) cost a
  // few more, and a thread cache may refill once or twice.
  EXPECT_LE(after - before, static_cast<unsigned long long>(kReads) + 40) << "allocations for " << kReads << " reads";
  EXPECT_GE(after - before, static_cast<unsigned long long>(kReads)) << "the frame is one allocation per read";
  stop_with_sigterm();
}

// A coroutine that blocks before it first awaits holds the ring as a synchronous
// handler does: the ring must time that part and hand the lead on, so the others
// are served meanwhile. Four readers on one CPU (one queue); a ring that timed the
// whole run as asynchronous never hands on (the 2 ms stalls stay under the standby's
// 20 ms, so nothing is stolen either) and the counters say 0.
class HandingOnAsyncHandlers : public AsyncHandlers {};

TEST_P(HandingOnAsyncHandlers, AHandlerThatBlocksBeforeItAwaitsHandsTheLeadOn) {
  std::vector<std::future<int>> done;
  for (int i = 0; i < 4; ++i)
    done.push_back(std::async(std::launch::async, [path = mnt_ + "/stall"] {
      pin_this_thread(0);
      for (int r = 0; r < 25; ++r) {
        int err = 0;
        if (read_small(path, &err) != "x") return err ? err : EIO;
      }
      return 0;
    }));
  for (auto& f : done) {
    ASSERT_EQ(f.wait_for(25s), std::future_status::ready) << "a reader hangs";
    EXPECT_EQ(f.get(), 0);
  }
  const std::string log = stop_with_sigterm();
  expect_ring_carried_io(log);
  EXPECT_GT(uring_exit_totals(log).handed_on, 0u) << "blocking before the first await was not seen:\n" << log;
}

std::vector<Transport> ring_async_transports() {
  auto all = async_transports();
  all.erase(std::remove_if(all.begin(), all.end(), [](const Transport& t) { return !t.uring(); }), all.end());
  return all;
}

INSTANTIATE_TEST_SUITE_P(Transports, AsyncHandlers, ::testing::ValuesIn(async_transports()), transport_name);
// Where handlers may be handed on: io_uring with helper threads, one ring per thread.
std::vector<Transport> handing_on_transports() {
  auto all = ring_async_transports();
  all.erase(std::remove_if(all.begin(), all.end(),
                           [](const Transport& t) { return t.name == "uring_single" || t.name == "uring_one_thread"; }),
            all.end());
  return all;
}

INSTANTIATE_TEST_SUITE_P(Transports, RingAsyncHandlers, ::testing::ValuesIn(ring_async_transports()),
                         transport_name);
INSTANTIATE_TEST_SUITE_P(Transports, HandingOnAsyncHandlers, ::testing::ValuesIn(handing_on_transports()),
                         transport_name);

}  // namespace
}  // namespace uringfuse::test
