// Debian's bindfs 1.14.7, a FUSE 2 program (linked against libfuse.so.2: fuse_main_real,
// fuse_get_context, fuse_opt_*), unchanged, on our libfuse.so.2 drop-in, over
// /dev/fuse and io_uring. bindfs mirrors a directory with its ownership and
// permissions mapped: what the mount shows must be the source's bytes under the
// mapped owner and modes, and what is made through the mount must land in the
// source as the owner bindfs was told to create for.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "dropin_harness.hpp"
#include "tree_compare.hpp"

namespace uringfuse::test {
namespace {

const char* const kBindfs = "/usr/bin/bindfs";

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

class Bindfs : public DropInMount {
 protected:
  void SetUp() override {
    DropInMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    require_program(kBindfs);
    if (IsSkipped() || HasFatalFailure()) return;
    use_fuse2_dropin();
    const passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr) << "no user nobody";
    nobody_uid_ = nobody->pw_uid;
    nobody_gid_ = nobody->pw_gid;

    src_ = dir_.sub("src");
    ASSERT_EQ(::mkdir(src_.c_str(), 0755), 0);
    ASSERT_TRUE(write_file(src_ + "/secret", "root's own\n", 0600));
    ASSERT_EQ(::chmod((src_ + "/secret").c_str(), 0600), 0);
    ASSERT_EQ(::mkdir((src_ + "/private").c_str(), 0700), 0);
    ASSERT_TRUE(write_file(src_ + "/private/inner", noise(200000, 7)));
    ASSERT_EQ(::symlink("secret", (src_ + "/link").c_str()), 0);
    for (int i = 0; i < 150; ++i) ASSERT_TRUE(write_file(src_ + "/private/n" + std::to_string(i), std::to_string(i)));

    std::string mnt = dir_.sub("mnt");
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    // Everything shown as nobody's, files 0644 and directories 0755 (a+X), and what
    // is created through the mount owned by nobody in the source.
    ASSERT_NO_FATAL_FAILURE(start(kBindfs,
                                  {"-f", "--force-user=nobody", "--force-group=" + std::to_string(nobody_gid_),
                                   "--perms=0644:a+X", "--create-for-user=nobody",
                                   "--create-for-group=" + std::to_string(nobody_gid_), src_, mnt},
                                  mnt));
  }

  std::string src_;
  uid_t nobody_uid_ = 0;
  gid_t nobody_gid_ = 0;
};

TEST_P(Bindfs, ShowsTheSourceUnderTheMappedOwnerAndModes) {
  struct stat file = stat_of(mnt_ + "/secret");
  EXPECT_EQ(file.st_uid, nobody_uid_);
  EXPECT_EQ(file.st_gid, nobody_gid_);
  EXPECT_EQ(file.st_mode & 07777, 0644u);
  struct stat dir = stat_of(mnt_ + "/private");
  EXPECT_TRUE(S_ISDIR(dir.st_mode));
  EXPECT_EQ(dir.st_mode & 07777, 0755u);
  EXPECT_EQ(dir.st_uid, nobody_uid_);
  // The source is untouched: still root's, with its own modes.
  struct stat real = stat_of(src_ + "/secret");
  EXPECT_EQ(real.st_uid, 0u);
  EXPECT_EQ(real.st_mode & 07777, 0600u);

  EXPECT_EQ(file_bytes(mnt_ + "/secret"), "root's own\n");
  EXPECT_EQ(file_bytes(mnt_ + "/private/inner"), file_bytes(src_ + "/private/inner"));
  char target[64] = {};
  ASSERT_EQ(::readlink((mnt_ + "/link").c_str(), target, sizeof target - 1), 6) << std::strerror(errno);
  EXPECT_STREQ(target, "secret");
  EXPECT_EQ(names_in(mnt_ + "/private"), names_in(src_ + "/private"));
}

TEST_P(Bindfs, WhatIsMadeThroughTheMountIsTheCreateForUsersInTheSource) {
  const std::string data = noise(3 * 1024 * 1024 + 17, 11);
  ASSERT_TRUE(write_file(mnt_ + "/made", data)) << std::strerror(errno);
  ASSERT_EQ(::mkdir((mnt_ + "/made-dir").c_str(), 0700), 0) << std::strerror(errno);
  EXPECT_EQ(file_bytes(src_ + "/made"), data);
  struct stat made = stat_of(src_ + "/made");
  EXPECT_EQ(made.st_uid, nobody_uid_);
  EXPECT_EQ(made.st_gid, nobody_gid_);
  EXPECT_EQ(stat_of(src_ + "/made-dir").st_uid, nobody_uid_);

  // An overwrite in the middle, a truncate, a rename and removals, seen in the source.
  int fd = ::open((mnt_ + "/made").c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::pwrite(fd, "XYZ", 3, 1000000), 3);
  ASSERT_EQ(::ftruncate(fd, 2000000), 0) << std::strerror(errno);
  ::close(fd);
  std::string want = data.substr(0, 2000000);
  want.replace(1000000, 3, "XYZ");
  EXPECT_EQ(file_bytes(src_ + "/made"), want);
  ASSERT_EQ(::rename((mnt_ + "/made").c_str(), (mnt_ + "/made-dir/moved").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(file_bytes(src_ + "/made-dir/moved"), want);
  ASSERT_EQ(::unlink((mnt_ + "/made-dir/moved").c_str()), 0) << std::strerror(errno);
  ASSERT_EQ(::rmdir((mnt_ + "/made-dir").c_str()), 0) << std::strerror(errno);
  EXPECT_NE(::access((src_ + "/made-dir").c_str(), F_OK), 0);
}

TEST_P(Bindfs, TimesAndModesSetThroughTheMountReachTheSource) {
  struct timespec times[2] = {{1000000000, 0}, {1234567890, 500}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (mnt_ + "/secret").c_str(), times, 0), 0) << std::strerror(errno);
  struct stat real = stat_of(src_ + "/secret");
  EXPECT_EQ(real.st_mtim.tv_sec, 1234567890);
  EXPECT_EQ(real.st_atim.tv_sec, 1000000000);
  // Only the access time: the modification time stays (UTIME_OMIT through 2.x's utimens).
  struct timespec atime_only[2] = {{1100000000, 0}, {0, UTIME_OMIT}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (mnt_ + "/secret").c_str(), atime_only, 0), 0) << std::strerror(errno);
  real = stat_of(src_ + "/secret");
  EXPECT_EQ(real.st_atim.tv_sec, 1100000000);
  EXPECT_EQ(real.st_mtim.tv_sec, 1234567890);
}

INSTANTIATE_TEST_SUITE_P(Transports, Bindfs, ::testing::ValuesIn(dropin_transports()), dropin_transport_name);

}  // namespace
}  // namespace uringfuse::test
