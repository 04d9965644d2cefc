// Notifications and interrupts seen from a client, over every transport, using the
// notify example: inval_inode refreshes cached data, inval_entry makes a cached
// lookup fail, store/retrieve move page-cache bytes, and an interrupted blocking
// read returns EINTR.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <future>

#include "../support/example_mount.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

class NotifyMount : public ExampleMount<::testing::TestWithParam<Transport>> {
 protected:
  void SetUp() override {
    ExampleMount::SetUp();
    if (!IsSkipped() && !HasFatalFailure()) start_daemon("notify", GetParam().args);
  }
  void command(const std::string& cmd) {
    int fd = ::open((mnt_ + "/ctl").c_str(), O_WRONLY | O_TRUNC);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ASSERT_EQ(::write(fd, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size())) << cmd;
    ::close(fd);
  }
  std::string data() { return read_file(mnt_ + "/data").value_or("<unreadable>"); }
};

TEST_P(NotifyMount, InvalInodeMakesCachedReadSeeNewData) {
  EXPECT_EQ(data(), "original\n");
  command("set changed!");
  EXPECT_EQ(data(), "original\n") << "the kernel should still serve its cached copy";
  command("inval_inode");
  EXPECT_EQ(data(), "changed!\n");
}

TEST_P(NotifyMount, InvalEntryMakesCachedLookupFail) {
  struct stat st {};
  ASSERT_EQ(::stat((mnt_ + "/data").c_str(), &st), 0);
  command("hide");
  EXPECT_EQ(::stat((mnt_ + "/data").c_str(), &st), 0) << "the dentry should still be cached";
  command("inval_entry");
  EXPECT_EQ(::stat((mnt_ + "/data").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST_P(NotifyMount, StorePutsBytesInThePageCacheAndRetrieveGetsThemBack) {
  EXPECT_EQ(data(), "original\n");
  command("store STORED!!");
  EXPECT_EQ(data(), "STORED!!\n") << "read should come from the stored page";
  command("retrieve");
  std::string got;
  for (int i = 0; i < 100 && got.empty(); ++i) {
    got = read_file(mnt_ + "/retrieved").value_or("");
    if (got.empty()) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(got, "STORED!!\n");
}

void on_signal(int) {}

TEST_P(NotifyMount, InterruptedBlockingReadGetsEintr) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: the read must come back
  struct sigaction old {};
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  std::promise<pthread_t> who;
  auto reader = std::async(std::launch::async, [&] {
    who.set_value(pthread_self());
    int fd = ::open((mnt_ + "/slow").c_str(), O_RDONLY);
    if (fd < 0) return std::make_pair(-2, errno);
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    int err = errno;
    ::close(fd);
    return std::make_pair(static_cast<int>(n), err);
  });
  pthread_t thread = who.get_future().get();
  std::this_thread::sleep_for(300ms);  // let the read reach the daemon
  auto start = std::chrono::steady_clock::now();
  std::future_status st = std::future_status::timeout;
  for (int i = 0; i < 50 && st != std::future_status::ready; ++i) {
    pthread_kill(thread, SIGUSR1);
    st = reader.wait_for(100ms);
  }
  ASSERT_EQ(st, std::future_status::ready) << "read not interrupted";
  auto [n, err] = reader.get();
  EXPECT_EQ(n, -1);
  EXPECT_EQ(err, EINTR);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  sigaction(SIGUSR1, &old, nullptr);
}

INSTANTIATE_TEST_SUITE_P(Transports, NotifyMount, ::testing::ValuesIn(all_transports()),
                         transport_name);

}  // namespace
}  // namespace uringfuse::test
