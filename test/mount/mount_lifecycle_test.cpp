// Mount options as the kernel sees them, and the fusermount3 path: auto_unmount
// removes the mount when the daemon dies without unmounting.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>

#include "../support/example_mount.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

class MountLifecycle : public ExampleMount<> {
 protected:
  void start(std::vector<std::string> args) { start_daemon("hello", std::move(args)); }
};

TEST_F(MountLifecycle, MountOptionsReachTheKernel) {
  start({"-o", "allow_other,default_permissions,ro,noexec,fsname=demo-src,subtype=hellofs,max_read=65536"});
  auto m = find_mount(mnt_);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->fstype, "fuse.hellofs");
  EXPECT_EQ(m->source, "demo-src");
  for (const char* opt : {"ro", "noexec", "nosuid", "nodev", "allow_other", "default_permissions",
                          "max_read=65536", "user_id=0", "group_id=0"})
    EXPECT_NE(("," + m->options + ",").find(std::string(",") + opt + ","), std::string::npos)
        << opt << " missing from " << m->options;
  EXPECT_EQ(read_file(mnt_ + "/hello").value_or(""), "Hello from uringfuse!\n");
}

// How fstab lines and `mount -t fuse.prog` start a filesystem: Debian's mount.fuse3
// with drop_privileges mounts /dev/fuse itself, drops every capability and runs
// `passthrough <source> /dev/fd/N`; run_main must serve that descriptor. The
// daemon backgrounds itself (it is not our child) and ends with its mount.
TEST_F(MountLifecycle, MountFuse3PassesAnInheritedDescriptor) {
  const char* helper = "/sbin/mount.fuse3";
  if (::access(helper, X_OK) != 0) {
    if (running_in_ci()) FAIL() << helper << " is missing (Debian package fuse3)";
    GTEST_SKIP() << helper << " is missing";
  }
  const std::string src = dir_.sub("src");
  ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
  {
    int fd = ::open((src + "/file").c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "through /dev/fd\n", 16), 16);
    ::close(fd);
  }
  std::string bin = example_binary("passthrough");
  std::string path = "PATH=" + bin.substr(0, bin.rfind('/')) + ":/usr/sbin:/usr/bin:/sbin:/bin";
  Process mount("/usr/bin/env", {path, helper, "passthrough#" + src, mnt_, "-o", "drop_privileges,x-systemd.automount"},
                dir_.sub("mount.log"));
  auto status = mount.wait(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value()) << "mount.fuse3 hangs:\n" << mount.output();
  ASSERT_EQ(*status, 0) << mount.output();
  ASSERT_TRUE(wait_for_mount(mnt_, true, std::chrono::seconds(10))) << mount.output();
  Watchdog watchdog(mnt_, std::chrono::seconds(30));
  auto m = find_mount(mnt_);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->fstype, "fuse.passthrough");
  EXPECT_EQ(read_file(mnt_ + "/file").value_or("<unreadable>"), "through /dev/fd\n");
  EXPECT_TRUE(force_unmount(mnt_));
  EXPECT_FALSE(watchdog.fired());
}

TEST_F(MountLifecycle, AutoUnmountCleansUpAfterSigkill) {
  start({"-o", "auto_unmount"});
  EXPECT_EQ(read_file(mnt_ + "/hello").value_or(""), "Hello from uringfuse!\n");
  watchdog_.reset();
  daemon_->signal(SIGKILL);
  ASSERT_TRUE(daemon_->wait(10s).has_value());
  EXPECT_TRUE(wait_for_mount(mnt_, false, 10s)) << "auto_unmount left the mount behind";
}

TEST_F(MountLifecycle, AutoUnmountStillUnmountsOnSigterm) {
  start({"-o", "auto_unmount"});
  daemon_->signal(SIGTERM);
  auto status = daemon_->wait(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << daemon_->output();
  EXPECT_TRUE(wait_for_mount(mnt_, false, 5s));
}

}  // namespace
}  // namespace uringfuse::test
