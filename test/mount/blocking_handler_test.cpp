// Synchronous handlers that block must not stall the requests behind them, on any
// transport that promises concurrency. The daemon (rendezvous_fs.cpp) blocks reads
// until other requests reach it; every client thread is pinned to one CPU, so over
// io_uring they all land in that CPU's one queue. A transport that serves one handler
// at a time per queue makes the handlers wait in vain and answer EIO (after 20 s;
// the watchdog and the futures' timeouts keep the test from hanging).
//
// dev_single is left out on purpose: -s means one handler at a time. So is
// uring_one_thread: a thread serving several rings runs every handler itself for now
// (doc/io_uring.md, "Handlers that block").
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "../support/example_mount.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

std::string rendezvous_fs() { return built_program("test/mount/rendezvous_fs"); }

using namespace std::chrono_literals;

// One pread of `path` from a thread pinned to CPU 0: 0 on success, else the errno.
int pinned_read(const std::string& path) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  pthread_setaffinity_np(pthread_self(), sizeof one, &one);
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return errno;
  char c;
  ssize_t n = ::pread(fd, &c, 1, 0);
  int err = n == 1 ? 0 : n < 0 ? errno : EIO;
  ::close(fd);
  return err;
}

class BlockingHandlers : public ExampleMount<::testing::TestWithParam<Transport>> {
 protected:
  // Runs `readers` threads, each reading `file` `rounds` times; every read must succeed.
  void read_together(const std::string& file, unsigned readers, unsigned rounds) {
    std::vector<std::future<int>> done;
    for (unsigned i = 0; i < readers; ++i)
      done.push_back(std::async(std::launch::async, [path = mnt_ + "/" + file, rounds] {
        for (unsigned r = 0; r < rounds; ++r)
          if (int err = pinned_read(path)) return err;
        return 0;
      }));
    for (auto& f : done) {
      ASSERT_EQ(f.wait_for(25s), std::future_status::ready) << "a reader hangs";
      EXPECT_EQ(f.get(), 0) << "a blocked handler was never joined by the others";
    }
  }
  std::string stop_daemon() {
    daemon_->signal(SIGTERM);
    auto status = daemon_->wait(15s);
    EXPECT_TRUE(status.has_value()) << daemon_->output();
    if (status) {
      EXPECT_EQ(*status, 0) << daemon_->output();
    }
    return daemon_->output();
  }
};

// Four handlers blocked at once, round after round, from one CPU.
TEST_P(BlockingHandlers, FourBlockedReadersAreServedTogether) {
  start_daemon(rendezvous_fs(), GetParam().args);
  read_together("gather4", 4, 25);
  auto log = stop_daemon();
  if (GetParam().uring()) {
    const auto totals = uring_exit_totals(log);
    EXPECT_GT(totals.handed_on + totals.leads_stolen, 0u) << log;
  }
}

// A handler that blocks before anything else is waiting (so it runs on the ring's
// own thread) until a request that arrives later, on the same queue, is served.
TEST_P(BlockingHandlers, AHandlerWaitingForALaterRequestDoesNotStallIt) {
  start_daemon(rendezvous_fs(), GetParam().args);
  for (int round = 0; round < 3; ++round) {
    auto waiter = std::async(std::launch::async, [path = mnt_ + "/wait"] { return pinned_read(path); });
    ASSERT_EQ(waiter.wait_for(200ms), std::future_status::timeout) << "/wait did not block";
    EXPECT_EQ(pinned_read(mnt_ + "/release"), 0);
    ASSERT_EQ(waiter.wait_for(25s), std::future_status::ready);
    EXPECT_EQ(waiter.get(), 0) << "the waiting handler stalled the request it waited for";
  }
  auto log = stop_daemon();
  if (GetParam().uring()) {
    EXPECT_GT(uring_exit_totals(log).leads_stolen, 0u) << "no lead was stolen:\n" << log;
  }
}

// io_uring: as many blocked handlers as the queue has entries (the /dev/fuse pool's
// bound is max_threads instead).
class RingBlockingHandlers : public BlockingHandlers {};

TEST_P(RingBlockingHandlers, AsManyBlockedReadersAsRingEntries) {
  auto args = GetParam().args;
  args.insert(args.end(), {"-o", "io_uring_q_depth=16"});
  start_daemon(rendezvous_fs(), args);
  read_together("gather16", 16, 10);
  stop_daemon();
}

// A handler that blocked off the lead and answered takes its entry to a ring its
// thread serves alone (doc/io_uring.md). Those entries go on carrying requests,
// blocking and quick ones, their counters balance with the queue's, and when the
// filesystem is unmounted under them the daemon still sees every entry end and
// exits on its own.
TEST_P(RingBlockingHandlers, EntriesThatMovedServeOnAndEndWithTheMount) {
  auto args = GetParam().args;
  args.insert(args.end(), {"-o", "io_uring_q_depth=8"});
  start_daemon(rendezvous_fs(), args);
  read_together("gather4", 4, 25);
  // Quick requests now, on whichever entries the kernel picks, moved ones included.
  // Enough that a moved entry still sees a run of quick ones when a sanitizer build's
  // handler is now and then slower than the threshold and restarts its count.
  for (int i = 0; i < 1000; ++i) {
    struct stat st {};
    ASSERT_EQ(::stat(mnt_.c_str(), &st), 0) << std::strerror(errno);
  }
  read_together("gather4", 4, 5);
  watchdog_.reset();
  ASSERT_EQ(::umount2(mnt_.c_str(), 0), 0) << std::strerror(errno);
  auto status = daemon_->wait(15s);
  ASSERT_TRUE(status.has_value()) << "the daemon did not end with its entries:\n" << daemon_->output();
  EXPECT_EQ(*status, 0) << daemon_->output();
  const std::string log = daemon_->output();
  const auto queues = uring_exit_counters(log);
  EXPECT_GT(queues.size(), 0u) << log;
  for (const auto& q : queues) EXPECT_EQ(q.requests, q.replies) << "queue " << q.qid << ":\n" << log;
  EXPECT_GT(uring_exit_totals(log).moved_entries, 0u) << "no entry moved with its blocked handler:\n" << log;
  // The quick stats brought moved entries back to the queue's own ring.
  EXPECT_GT(uring_exit_totals(log).returned_entries, 0u) << "no moved entry came back:\n" << log;
}

// After a burst of blocked handlers, quick handlers run on the queue's CPU again, as
// before it: the lead, often with a helper thread by then, moves there, and the
// entries that moved to rings of their own come home after a run of quick replies
// (kernel requests such as RELEASE are answered in the background, so a second
// entry, maybe a moved one, carries some of them). Fast because the inline path is
// the caller and the ring thread taking turns on one CPU.
TEST_P(RingBlockingHandlers, QuickHandlersAfterABlockedBurstRunPinnedAgain) {
  auto args = GetParam().args;
  args.insert(args.end(), {"-o", "io_uring_q_depth=8"});
  start_daemon(rendezvous_fs(), args);
  // What the thread serving each of `reads` reads of /cpus may run on, from CPU 0.
  auto cpus_of_server = [&](int reads) {
    return std::async(std::launch::async, [path = mnt_ + "/cpus", reads] {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(0, &one);
      pthread_setaffinity_np(pthread_self(), sizeof one, &one);
      std::vector<std::string> seen;
      for (int i = 0; i < reads; ++i) {
        int fd = ::open(path.c_str(), O_RDONLY);
        if (fd < 0) return std::vector<std::string>{std::strerror(errno)};
        char buf[16];
        ssize_t n = ::pread(fd, buf, sizeof buf, 0);
        ::close(fd);
        seen.emplace_back(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
      }
      return seen;
    }).get();
  };
  constexpr int kSettle = 100, kChecked = 10;
  ASSERT_EQ(cpus_of_server(kChecked), std::vector<std::string>(kChecked, "1")) << "before any handler blocked";
  read_together("gather4", 4, 25);
  const auto after = cpus_of_server(kSettle + kChecked);
  const std::vector<std::string> last(after.end() - std::min<std::ptrdiff_t>(kChecked, after.size()), after.end());
  EXPECT_EQ(last, std::vector<std::string>(kChecked, "1"))
      << "quick handlers after the burst still run unpinned:\n" << stop_daemon();
}

bool serializes_handlers(const Transport& t) { return t.name == "dev_single" || t.name == "uring_one_thread"; }

std::vector<Transport> concurrent_transports() {
  auto all = all_transports();
  all.erase(std::remove_if(all.begin(), all.end(), serializes_handlers), all.end());
  return all;
}

std::vector<Transport> uring_transports() {
  auto all = concurrent_transports();
  all.erase(std::remove_if(all.begin(), all.end(), [](const Transport& t) { return !t.uring(); }), all.end());
  return all;
}

INSTANTIATE_TEST_SUITE_P(Transports, BlockingHandlers, ::testing::ValuesIn(concurrent_transports()),
                         transport_name);
INSTANTIATE_TEST_SUITE_P(Transports, RingBlockingHandlers, ::testing::ValuesIn(uring_transports()),
                         transport_name);

}  // namespace
}  // namespace uringfuse::test
