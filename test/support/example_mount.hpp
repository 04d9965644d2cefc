// GoogleTest fixture base for tests that run a bundled example daemon on a fresh
// mountpoint: prerequisites checked (failing under CI, skipping elsewhere), one
// daemon at a time, a watchdog while it runs, and teardown that always unmounts.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "kernel_log.hpp"
#include "mount_harness.hpp"

#define URINGFUSE_REQUIRE_MOUNT_PREREQUISITES()                                       \
  do {                                                                               \
    if (auto missing = ::uringfuse::test::mount_prerequisites_missing(); !missing.empty()) { \
      if (::uringfuse::test::running_in_ci()) FAIL() << "mount tests cannot run: " << missing; \
      GTEST_SKIP() << missing;                                                       \
    }                                                                                \
  } while (0)

namespace uringfuse::test {

// A fresh temporary directory with an empty mountpoint `mnt_` in it, once the
// machine can mount at all. Teardown is the subclass's: what to undo depends on
// what it mounted.
template <class Base = ::testing::Test>
class FreshMountpoint : public Base {
 protected:
  void SetUp() override {
    URINGFUSE_REQUIRE_MOUNT_PREREQUISITES();
    mnt_ = dir_.sub("mnt");
    ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
  }
  TempDir dir_;
  std::string mnt_;
};

template <class Base = ::testing::Test>
class ExampleMount : public FreshMountpoint<Base> {
 protected:
  using FreshMountpoint<Base>::dir_;
  using FreshMountpoint<Base>::mnt_;

  void TearDown() override {
    if (watchdog_ && watchdog_->fired()) ADD_FAILURE() << "watchdog aborted a hung mount";
    stop_daemon();
    EXPECT_FALSE(find_mount(mnt_).has_value()) << "mount left behind";
    if (expect_quiet_kernel_)
      for (const auto& line : kernel_log_.fuse_lines()) ADD_FAILURE() << "kernel log: " << line;
  }

  // For the tests that provoke the kernel on purpose (aborted connections).
  void allow_kernel_fuse_messages() { expect_quiet_kernel_ = false; }

  // Runs `example -f args... mnt_` and waits until the mount is there.
  void start_daemon(const std::string& example, std::vector<std::string> args) {
    using namespace std::chrono_literals;
    if (asks_for_io_uring(args)) {
      ASSERT_TRUE(enable_fuse_uring()) << "cannot enable FUSE-over-io_uring";
    }
    args.insert(args.begin(), "-f");
    args.push_back(mnt_);
    daemon_.emplace(example_binary(example), args, dir_.sub("daemon.log"));
    ASSERT_TRUE(wait_for_mount(mnt_, true, 10s)) << "not mounted; daemon said:\n" << daemon_->output();
    watchdog_.emplace(mnt_, watchdog_deadline_);
    if (asks_for_io_uring(args)) {
      ASSERT_TRUE(wait_for_uring(*daemon_)) << daemon_->output();
      uring_ = true;
    }
  }

  void stop_daemon() {
    using namespace std::chrono_literals;
    // Over io_uring, one last request (statfs) must show up in the daemon's
    // per-queue counters: the ring, not /dev/fuse, carried the traffic.
    bool probed = uring_ && daemon_ && !daemon_->wait(0ms) && find_mount(mnt_) &&
                  [&] {
                    struct statvfs st {};
                    return ::statvfs(mnt_.c_str(), &st) == 0;
                  }();
    watchdog_.reset();
    if (daemon_) daemon_->signal(SIGTERM);
    if (daemon_ && daemon_->wait(10s) && probed) {
      std::string log = daemon_->output();
      EXPECT_GT(uring_requests_served(log), 0) << "no request went over io_uring:\n" << log;
    }
    force_unmount(mnt_);
    daemon_.reset();
    uring_ = false;
  }

  KernelLogWatch kernel_log_;
  bool expect_quiet_kernel_ = true;
  // How long a mount may live before the watchdog takes it for hung and aborts it;
  // tests that run longer on purpose (long torture storms) raise it first.
  std::chrono::seconds watchdog_deadline_{30};
  std::optional<Process> daemon_;
  std::optional<Watchdog> watchdog_;
  bool uring_ = false;  // the running daemon serves over io_uring
};

// The passthrough example mirroring a fresh source directory `src_`, caching off.
template <class Base = ::testing::Test>
class PassthroughMount : public ExampleMount<Base> {
 protected:
  void SetUp() override {
    ExampleMount<Base>::SetUp();
    if (this->IsSkipped() || this->HasFatalFailure()) return;
    src_ = this->dir_.sub("src");
    ASSERT_EQ(::mkdir(src_.c_str(), 0755), 0);
  }
  void start_passthrough(std::vector<std::string> args) {
    args.insert(args.begin(), "--timeout=0");
    args.push_back(src_);
    this->start_daemon("passthrough", std::move(args));
  }
  std::string src_;
};

}  // namespace uringfuse::test
