// fuse_open_channel(): a mount made from an option string, handed back as its
// /dev/fuse descriptor and left mounted for the caller; bad options, an unknown
// option and a missing mountpoint give -1 and mount nothing.
#define FUSE_USE_VERSION 319
#include "uringfuse/fuse3/fuse.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../support/example_mount.hpp"
#include "../support/mount_harness.hpp"

namespace uringfuse::test {
namespace {

class OpenChannel : public FreshMountpoint<> {
 protected:
  void TearDown() override {
    if (!mnt_.empty()) force_unmount(mnt_);  // aborts the connection nobody serves
  }
};

TEST_F(OpenChannel, MountsWithTheOptionsAndHandsBackTheDevice) {
  const int fd = fuse_open_channel(mnt_.c_str(), "fsname=open-channel-test,ro,x-gvfs-hide");
  ASSERT_GE(fd, 0);
  EXPECT_NE(::fcntl(fd, F_GETFD), -1) << "not an open descriptor";
  auto entry = find_mount(mnt_);
  ASSERT_TRUE(entry.has_value()) << "nothing mounted at " << mnt_;
  EXPECT_EQ(entry->source, "open-channel-test");
  EXPECT_NE((" " + entry->options + ",").find("ro,"), std::string::npos) << entry->options;
  // Still mounted after the call: unmounting is the caller's business.
  EXPECT_TRUE(find_mount(mnt_).has_value());
  ::close(fd);
  EXPECT_EQ(::umount2(mnt_.c_str(), MNT_DETACH), 0);
  EXPECT_FALSE(find_mount(mnt_).has_value());
}

TEST_F(OpenChannel, RefusesWhatItCannotMount) {
  EXPECT_EQ(fuse_open_channel(mnt_.c_str(), "no_such_option"), -1);
  EXPECT_EQ(fuse_open_channel(mnt_.c_str(), "max_read=lots"), -1);
  EXPECT_EQ(fuse_open_channel(dir_.sub("missing").c_str(), ""), -1);
  EXPECT_FALSE(find_mount(mnt_).has_value());
}

}  // namespace
}  // namespace uringfuse::test
