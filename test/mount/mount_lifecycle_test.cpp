// Mount options as the kernel sees them, and the fusermount3 path: auto_unmount
// removes the mount when the daemon dies without unmounting.
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
