// Faults from outside the daemon, on real mounts over every transport: the connection
// aborted through fusectl, the daemon killed under load with auto_unmount, the
// passthrough's source directory deleted or made unreadable while mounted, and a
// source filesystem that runs full. Each must end in clear errors for callers,
// a daemon that neither crashes nor hangs, and no mount left behind.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../support/example_mount.hpp"
#include "../support/fs_target.hpp"
#include "mount/mount.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

class FaultMount : public PassthroughMount<::testing::TestWithParam<Transport>> {
 protected:
  void TearDown() override {
    PassthroughMount::TearDown();
    if (small_tmpfs_) ::umount2(src_.c_str(), MNT_DETACH);
  }
  // The transport's arguments, then `extra`.
  void start_passthrough(std::vector<std::string> extra = {}) {
    auto args = GetParam().args;
    args.insert(args.end(), extra.begin(), extra.end());
    PassthroughMount::start_passthrough(args);
  }
  std::string path(const std::string& name) const { return mnt_ + "/" + name; }

  bool small_tmpfs_ = false;
};

TEST_P(FaultMount, AbortedConnectionFailsCallersAndEndsTheDaemon) {
  start_passthrough();
  ASSERT_TRUE(write_file(path("f"), "before"));
  // Asked through a descriptor: the daemon may unmount before a path lookup could
  // reach the dead connection (the path would then be the bare mountpoint's: ENOENT).
  const int fd = ::open(path("f").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  auto m = find_mount(mnt_);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(detail::abort_connection(m->minor));
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), -1);
  EXPECT_EQ(errno, ENOTCONN);
  ::close(fd);
  // The daemon sees the end of its connection, unmounts and exits by itself.
  EXPECT_TRUE(daemon_->wait(10s).has_value()) << "daemon still running after the abort";
  EXPECT_TRUE(wait_for_mount(mnt_, false, 10s)) << "mount left behind after the abort";
  EXPECT_EQ(read_file(src_ + "/f").value_or(""), "before");  // what was written stays
}

TEST_P(FaultMount, SourceDeletedWhileMountedGivesErrorsNotCrashes) {
  start_passthrough();
  ASSERT_EQ(::mkdir(path("d").c_str(), 0755), 0);
  ASSERT_TRUE(write_file(path("d/f"), "x"));
  std::filesystem::remove_all(src_);  // behind the daemon's back
  struct stat st {};
  EXPECT_EQ(::stat(path("d/f").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_FALSE(write_file(path("new"), "y"));  // the source directory is gone
  EXPECT_EQ(::mkdir(path("d2").c_str(), 0755), -1);
  // Still serving: the root itself answers (it is the deleted directory, now empty).
  EXPECT_EQ(::stat(mnt_.c_str(), &st), 0);
  EXPECT_FALSE(daemon_->wait(0ms).has_value()) << daemon_->output();
  ASSERT_EQ(::mkdir(src_.c_str(), 0755), 0);  // so teardown finds the tree it made
}

TEST_P(FaultMount, FullSourceGivesEnospcAndKeepsWhatWasWritten) {
  ASSERT_EQ(::mount("tmpfs", src_.c_str(), "tmpfs", 0, "size=1m,mode=755"), 0) << std::strerror(errno);
  small_tmpfs_ = true;
  start_passthrough();
  const std::string chunk(64 * 1024, 'z');
  int fd = ::open(path("big").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  std::size_t written = 0;
  int err = 0;
  for (int i = 0; i < 64; ++i) {  // 4 MiB into 1 MiB
    ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n < 0) {
      err = errno;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  EXPECT_EQ(err, ENOSPC);
  EXPECT_GT(written, 0u);
  EXPECT_LE(written, 1u << 20);
  // Every byte the writer was told went in reads back.
  std::string back = read_file(path("big")).value_or("");
  ASSERT_GE(back.size(), written);
  EXPECT_EQ(back.substr(0, written), std::string(written, 'z'));
  EXPECT_FALSE(daemon_->wait(0ms).has_value()) << daemon_->output();
}

// Made unreadable behind the daemon's back: on a shared mount (allow_other,
// default_permissions, the daemon acting as each caller) another user gets EACCES,
// root still gets through, nothing crashes, and access comes back with the mode.
TEST_P(FaultMount, SourceMadeUnreadableWhileMountedGivesEacces) {
  start_passthrough({"-o", "allow_other,default_permissions"});
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);  // others may walk to the mount
  ASSERT_EQ(::mkdir((src_ + "/d").c_str(), 0755), 0);
  ASSERT_TRUE(write_file(src_ + "/d/f", "data"));
  const std::string dir = path("d"), file = path("d/f");
  auto nobody_reads = [&] {
    return run_in_child([&]() -> const char* {
      char buf[8];
      int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return "open d/f";
      ssize_t n = ::read(fd, buf, sizeof buf);
      ::close(fd);
      return n == 4 ? nullptr : "read d/f";
    }, kNobody, kNogroup);
  };
  ASSERT_TRUE(ChildOk(nobody_reads()));

  ASSERT_EQ(::chmod((src_ + "/d").c_str(), 0), 0);
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    if (::open(file.c_str(), O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return "open d/f: want EACCES";
    if (::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) >= 0 || errno != EACCES)
      return "opendir d: want EACCES";
    if (::mkdir((dir + "/new").c_str(), 0755) == 0 || errno != EACCES) return "mkdir in d: want EACCES";
    return nullptr;
  }, kNobody, kNogroup)));
  EXPECT_EQ(read_file(file).value_or(""), "data");  // root may
  ASSERT_EQ(::chmod((src_ + "/d/f").c_str(), 0), 0);
  ASSERT_EQ(::chmod((src_ + "/d").c_str(), 0755), 0);
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {  // the file itself now
    if (::open(file.c_str(), O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return "open d/f: want EACCES";
    return nullptr;
  }, kNobody, kNogroup)));
  ASSERT_EQ(::chmod((src_ + "/d/f").c_str(), 0644), 0);
  EXPECT_TRUE(ChildOk(nobody_reads()));
  EXPECT_FALSE(daemon_->wait(0ms).has_value()) << daemon_->output();
}

// Writers and a stat loop keep every transport thread busy when the daemon is killed.
// No caller may hang. Calls caught in flight end ECONNABORTED (the kernel's answer to
// the abort) or, over io_uring, ECANCELED (a request the kernel gave the dead task's
// ring); once the connection is gone every call says ENOTCONN. auto_unmount must
// remove the mount, and every file must hold what its writer was told went in.
TEST_P(FaultMount, SigkillUnderLoadWithAutoUnmount) {
  start_passthrough({"-o", "auto_unmount"});
  constexpr int kWriters = 4;
  std::vector<std::thread> callers;
  std::vector<int> first_error(kWriters + 1, 0), fds(kWriters, -1);
  std::vector<std::size_t> acknowledged(kWriters, 0);
  std::atomic<int> started{0};
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < kWriters; ++i) {
    callers.emplace_back([&, i] {
      fds[i] = ::open(path("w" + std::to_string(i)).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      started.fetch_add(1);
      if (fds[i] < 0) return void(first_error[i] = errno);
      for (;;) {
        ssize_t n = ::write(fds[i], chunk.data(), chunk.size());
        if (n < 0) return void(first_error[i] = errno);
        acknowledged[i] += static_cast<std::size_t>(n);
      }
    });
  }
  callers.emplace_back([&] {
    started.fetch_add(1);
    struct stat st {};
    while (::stat(path("w0").c_str(), &st) == 0 || errno == ENOENT) {
    }
    first_error[kWriters] = errno;
  });
  while (started.load() < kWriters + 1) std::this_thread::yield();
  std::this_thread::sleep_for(300ms);  // under load
  daemon_->signal(SIGKILL);
  ASSERT_TRUE(daemon_->wait(10s).has_value());
  // The test's own watchdog (30 s) aborts the connection if a caller hangs.
  for (auto& t : callers) t.join();
  EXPECT_FALSE(watchdog_->fired()) << "a caller hung after the daemon died";
  for (int i = 0; i <= kWriters; ++i) {
    const int e = first_error[i];
    EXPECT_TRUE(e == ENOTCONN || e == ECONNABORTED || (e == ECANCELED && uring_))
        << "caller " << i << ": " << std::strerror(e);
  }
  EXPECT_TRUE(wait_for_mount(mnt_, false, 10s)) << "auto_unmount left the mount behind";
  for (int i = 0; i < kWriters; ++i) {
    if (fds[i] < 0) continue;
    EXPECT_EQ(::write(fds[i], chunk.data(), 1), -1);
    EXPECT_EQ(errno, ENOTCONN) << "writer " << i << " after the unmount";
    ::close(fds[i]);
    std::string back = read_file(src_ + "/w" + std::to_string(i)).value_or("");
    EXPECT_GE(back.size(), acknowledged[i]) << "writer " << i << " lost acknowledged bytes";
    EXPECT_EQ(back.find_first_not_of('x'), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, FaultMount, ::testing::ValuesIn(all_transports()), transport_name);

}  // namespace
}  // namespace uringfuse::test
