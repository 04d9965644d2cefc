// io_uring behaviour beyond the shared suites: the fallback when the kernel does not
// offer it, queue depth 1 under concurrency, the per-queue counters proving the ring
// carried the traffic, and teardown while requests are in flight.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "../support/example_mount.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kParam = "/sys/module/fuse/parameters/enable_uring";

void set_module_uring(const char* value) {
  std::ofstream out(kParam);
  out << value;
}

class UringMount : public PassthroughMount<> {
 protected:
  void TearDown() override {
    PassthroughMount::TearDown();
    set_module_uring("Y");  // whatever a test did, leave it on
  }
};

TEST_F(UringMount, FallsBackToDevFuseWhenTheKernelDoesNotOffer) {
  set_module_uring("N");
  std::vector<std::string> args{"-f", "-o", "io_uring", mnt_};
  daemon_.emplace(example_binary("hello"), args, dir_.sub("daemon.log"));
  ASSERT_TRUE(wait_for_mount(mnt_, true, 10s)) << daemon_->output();
  watchdog_.emplace(mnt_, 30s);
  EXPECT_EQ(read_file(mnt_ + "/hello").value_or(""), "Hello from uringfuse!\n");
  std::string log = daemon_->output();
  EXPECT_NE(log.find("io_uring unavailable"), std::string::npos) << log;
  EXPECT_NE(log.find("enable_uring"), std::string::npos) << log;
  EXPECT_EQ(log.find("serving over io_uring"), std::string::npos) << log;
}

// Writes and reads many files from several threads through one entry per queue.
TEST_F(UringMount, QueueDepthOneUnderConcurrency) {
  // Also the path without the yield-spin: every wait sleeps at once.
  start_passthrough({"-o", "io_uring,io_uring_q_depth=1,io_uring_spin=0"});
  std::atomic<int> bad{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 6; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        std::string path = mnt_ + "/f" + std::to_string(t) + "_" + std::to_string(i);
        std::string text(1000 + 37 * i, static_cast<char>('a' + t));
        int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
        if (fd < 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
          ++bad;
        } else {
          std::string back(text.size(), '\0');
          if (::pread(fd, back.data(), back.size(), 0) != static_cast<ssize_t>(back.size()) || back != text)
            ++bad;
        }
        if (fd >= 0) ::close(fd);
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(UringMount, CountersShowTheRingCarriedTheRequests) {
  start_passthrough({"-d", "-o", "io_uring"});
  for (int i = 0; i < 20; ++i) {
    std::string p = mnt_ + "/c" + std::to_string(i);
    std::ofstream(p) << "x";
    EXPECT_EQ(read_file(p).value_or(""), "x");
  }
  daemon_->signal(SIGTERM);
  ASSERT_TRUE(daemon_->wait(15s).has_value());
  std::string log = daemon_->output();
  std::uint64_t requests = 0;
  const auto queues = uring_exit_counters(log);
  for (const auto& q : queues) {
    requests += q.requests;
    EXPECT_EQ(q.requests, q.replies) << "every ring request got its reply";
  }
  EXPECT_GE(queues.size(), 1u) << log;
  EXPECT_GE(requests, 60u) << "20 creates, writes and reads should have gone over the ring";
}

// SIGTERM while several processes hammer the mount: no hang, the mount goes away,
// and data fsynced before is intact in the source.
TEST_F(UringMount, SigtermUnderLoadLeavesSyncedDataIntact) {
  start_passthrough({"-o", "io_uring"});
  const std::string keep(256 * 1024, 'K');
  {
    int fd = ::open((mnt_ + "/keep").c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, keep.data(), keep.size()), static_cast<ssize_t>(keep.size()));
    ASSERT_EQ(::fsync(fd), 0);
    ::close(fd);
  }
  std::vector<pid_t> children;
  for (int c = 0; c < 4; ++c) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string path = mnt_ + "/load" + std::to_string(c);
      std::string block(64 * 1024, 'L');
      auto until = std::chrono::steady_clock::now() + 5s;
      while (std::chrono::steady_clock::now() < until) {
        int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
        if (fd < 0) break;  // the mount is gone: done
        ssize_t w = ::pwrite(fd, block.data(), block.size(), 0);
        char buf[4096];
        ssize_t r = ::pread(fd, buf, sizeof buf, 0);
        ::close(fd);
        if (w < 0 || r < 0) break;
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  std::this_thread::sleep_for(300ms);
  daemon_->signal(SIGTERM);
  auto status = daemon_->wait(20s);
  EXPECT_TRUE(status.has_value()) << "daemon hung under load";
  for (pid_t pid : children) {
    int st = 0;
    for (int i = 0; i < 100 && ::waitpid(pid, &st, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
    if (::waitpid(pid, &st, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      ADD_FAILURE() << "a client stayed blocked after the daemon ended";
    }
  }
  EXPECT_TRUE(wait_for_mount(mnt_, false, 10s));
  EXPECT_EQ(read_file(src_ + "/keep").value_or(""), keep);
}

}  // namespace
}  // namespace uringfuse::test
