// GoogleTest fixture base for tests that run a bundled example daemon on a fresh
// mountpoint: prerequisites checked (failing under CI, skipping elsewhere), one
// daemon at a time, a watchdog while it runs, and teardown that always unmounts.
#pragma once

#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <optional>

#include "mount_harness.hpp"

#define URINGFUSE_REQUIRE_MOUNT_PREREQUISITES()                                       \
  do {                                                                               \
    if (auto missing = ::uringfuse::test::mount_prerequisites_missing(); !missing.empty()) { \
      if (::uringfuse::test::running_in_ci()) FAIL() << "mount tests cannot run: " << missing; \
      GTEST_SKIP() << missing;                                                       \
    }                                                                                \
  } while (0)

namespace uringfuse::test {

template <class Base = ::testing::Test>
class ExampleMount : public Base {
 protected:
  void SetUp() override {
    URINGFUSE_REQUIRE_MOUNT_PREREQUISITES();
    mnt_ = dir_.sub("mnt");
    ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
  }

  void TearDown() override {
    if (watchdog_ && watchdog_->fired()) ADD_FAILURE() << "watchdog aborted a hung mount";
    stop_daemon();
    EXPECT_FALSE(find_mount(mnt_).has_value()) << "mount left behind";
  }

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
    watchdog_.emplace(mnt_, std::chrono::seconds(30));
    if (asks_for_io_uring(args)) {
      ASSERT_TRUE(wait_for_uring(*daemon_)) << daemon_->output();
    }
  }

  void stop_daemon() {
    using namespace std::chrono_literals;
    watchdog_.reset();
    if (daemon_) daemon_->signal(SIGTERM);
    if (daemon_) daemon_->wait(10s);
    force_unmount(mnt_);
    daemon_.reset();
  }

  TempDir dir_;
  std::string mnt_;
  std::optional<Process> daemon_;
  std::optional<Watchdog> watchdog_;
};

}  // namespace uringfuse::test
