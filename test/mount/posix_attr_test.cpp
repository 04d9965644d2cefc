// Attributes, run against a plain directory (the reference) and the passthrough
// example over every transport: chmod, chown, utimensat/futimens and extended
// attributes in the user. namespace.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "../support/fs_target.hpp"

namespace uringfuse::test {
namespace {

class PosixAttr : public FsTargetTest<> {
 protected:
  struct stat stat_of(const std::string& rel, bool follow = true) {
    struct stat st {};
    int r = follow ? ::stat(path(rel).c_str(), &st) : ::lstat(path(rel).c_str(), &st);
    EXPECT_EQ(r, 0) << rel << ": " << errno_name(errno);
    return st;
  }
  // NUL-separated listxattr output, split and sorted.
  static std::vector<std::string> split_names(const char* buf, ssize_t len) {
    std::vector<std::string> out;
    for (ssize_t i = 0; i < len;) {
      std::string n(buf + i);
      i += static_cast<ssize_t>(n.size()) + 1;
      out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

::testing::AssertionResult SameTime(const struct timespec& got, time_t sec, long nsec) {
  if (got.tv_sec == sec && got.tv_nsec == nsec) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << got.tv_sec << "." << got.tv_nsec << ", want " << sec << "."
                                       << nsec;
}

// ---- chmod / chown ----

TEST_P(PosixAttr, ChmodChangesMode) {
  ASSERT_TRUE(write_file(path("f"), "x", 0644));
  ASSERT_SYS(::chmod(path("f").c_str(), 0600));
  EXPECT_EQ(stat_of("f").st_mode & 07777, 0600u);
  ASSERT_SYS(::chmod(path("f").c_str(), 0751));
  EXPECT_EQ(stat_of("f").st_mode & 07777, 0751u);
}

TEST_P(PosixAttr, FchmodChangesMode) {
  ASSERT_TRUE(write_file(path("f"), "x", 0644));
  Fd fd(::open(path("f").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::fchmod(fd, 0400));
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_mode & 07777, 0400u);
  EXPECT_EQ(stat_of("f").st_mode & 07777, 0400u);
}

TEST_P(PosixAttr, ChmodSpecialBits) {
  ASSERT_TRUE(write_file(path("f"), "x", 0644));
  ASSERT_SYS(::chmod(path("f").c_str(), 06755));
  EXPECT_EQ(stat_of("f").st_mode & 07777, 06755u);
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_SYS(::chmod(path("d").c_str(), 01777));
  EXPECT_EQ(stat_of("d").st_mode & 07777, 01777u);
}

TEST_P(PosixAttr, ChmodDirectory) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_SYS(::chmod(path("d").c_str(), 0700));
  struct stat st = stat_of("d");
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_P(PosixAttr, ChownChangesOwnerAndGroup) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::chown(path("f").c_str(), 1234, 5678));
  struct stat st = stat_of("f");
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
}

TEST_P(PosixAttr, FchownGroupOnly) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  Fd fd(::open(path("f").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::fchown(fd, static_cast<uid_t>(-1), 4321));
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 4321u);
}

TEST_P(PosixAttr, LchownChangesTheLinkNotTheTarget) {
  ASSERT_TRUE(write_file(path("t"), "x"));
  ASSERT_SYS(::symlink("t", path("l").c_str()));
  ASSERT_SYS(::lchown(path("l").c_str(), 2222, 3333));
  struct stat l = stat_of("l", false), t = stat_of("t");
  EXPECT_EQ(l.st_uid, 2222u);
  EXPECT_EQ(l.st_gid, 3333u);
  EXPECT_EQ(t.st_uid, 0u);
  EXPECT_EQ(t.st_gid, 0u);
}

TEST_P(PosixAttr, ChownClearsSetuidOnExecutable) {
  // Since Linux 2.2.13 root is treated like everyone else here (chown(2), NOTES).
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::chmod(path("f").c_str(), 04755));
  ASSERT_SYS(::chown(path("f").c_str(), 1000, 1000));
  EXPECT_EQ(stat_of("f").st_mode & 07777, 0755u);
}

TEST_P(PosixAttr, ChmodSetsCtimeAndLeavesMtime) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  struct timespec old_times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("f").c_str(), old_times, 0));
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  ASSERT_SYS(::chmod(path("f").c_str(), 0600));
  struct stat after = stat_of("f");
  EXPECT_GE(after.st_ctim.tv_sec, now.tv_sec - 1);  // the fs clock is coarse
  EXPECT_TRUE(SameTime(after.st_mtim, 1000000000, 0));
  EXPECT_TRUE(SameTime(after.st_atim, 1000000000, 0));
}

// ---- timestamps ----

TEST_P(PosixAttr, UtimensatExplicitNanoseconds) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  struct timespec ts[2] = {{1000000000, 123456789}, {1500000000, 987654321}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("f").c_str(), ts, 0));
  struct stat st = stat_of("f");
  EXPECT_TRUE(SameTime(st.st_atim, 1000000000, 123456789));
  EXPECT_TRUE(SameTime(st.st_mtim, 1500000000, 987654321));
}

TEST_P(PosixAttr, UtimensatNowSetsCurrentTime) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  struct timespec old_times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("f").c_str(), old_times, 0));
  struct timespec before {};
  ::clock_gettime(CLOCK_REALTIME, &before);
  struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("f").c_str(), now, 0));
  struct timespec after {};
  ::clock_gettime(CLOCK_REALTIME, &after);
  struct stat st = stat_of("f");
  // The file system's clock is coarse: allow a second either side.
  EXPECT_GE(st.st_mtim.tv_sec, before.tv_sec - 1);
  EXPECT_LE(st.st_mtim.tv_sec, after.tv_sec + 1);
  EXPECT_GE(st.st_atim.tv_sec, before.tv_sec - 1);
  EXPECT_LE(st.st_atim.tv_sec, after.tv_sec + 1);
}

TEST_P(PosixAttr, UtimensatOmitKeepsThatTime) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  struct timespec first[2] = {{1100000000, 1}, {1200000000, 2}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("f").c_str(), first, 0));
  struct timespec second[2] = {{1300000000, 3}, {0, UTIME_OMIT}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("f").c_str(), second, 0));
  struct stat st = stat_of("f");
  EXPECT_TRUE(SameTime(st.st_atim, 1300000000, 3));
  EXPECT_TRUE(SameTime(st.st_mtim, 1200000000, 2));
  struct timespec third[2] = {{0, UTIME_OMIT}, {1400000000, 4}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("f").c_str(), third, 0));
  st = stat_of("f");
  EXPECT_TRUE(SameTime(st.st_atim, 1300000000, 3));
  EXPECT_TRUE(SameTime(st.st_mtim, 1400000000, 4));
}

TEST_P(PosixAttr, FutimensOnOpenFile) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  Fd fd(::open(path("f").c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(fd.ok());
  struct timespec ts[2] = {{1111111111, 111}, {1222222222, 222}};
  ASSERT_SYS(::futimens(fd, ts));
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_TRUE(SameTime(st.st_atim, 1111111111, 111));
  EXPECT_TRUE(SameTime(st.st_mtim, 1222222222, 222));
}

TEST_P(PosixAttr, UtimensatNofollowChangesTheLink) {
  ASSERT_TRUE(write_file(path("t"), "x"));
  struct timespec tt[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("t").c_str(), tt, 0));
  ASSERT_SYS(::symlink("t", path("l").c_str()));
  struct timespec lt[2] = {{1600000000, 5}, {1600000000, 6}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("l").c_str(), lt, AT_SYMLINK_NOFOLLOW));
  EXPECT_TRUE(SameTime(stat_of("l", false).st_mtim, 1600000000, 6));
  EXPECT_TRUE(SameTime(stat_of("t").st_mtim, 1000000000, 0));
}

TEST_P(PosixAttr, WriteUpdatesMtime) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  struct timespec old_times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("f").c_str(), old_times, 0));
  {
    Fd fd(::open(path("f").c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.ok());
    ASSERT_EQ(::write(fd, "y", 1), 1);
  }
  struct stat st = stat_of("f");
  EXPECT_GT(st.st_mtim.tv_sec, 1000000000);
  EXPECT_GT(st.st_ctim.tv_sec, 1000000000);
}

TEST_P(PosixAttr, CreateInDirectoryUpdatesItsMtime) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  struct timespec old_times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("d").c_str(), old_times, 0));
  ASSERT_TRUE(write_file(path("d/f"), "x"));
  EXPECT_GT(stat_of("d").st_mtim.tv_sec, 1000000000);
}

// ---- extended attributes (user. namespace) ----

TEST_P(PosixAttr, XattrSetAndGet) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.color", "blue", 4, 0));
  char buf[64];
  ASSERT_EQ(::getxattr(path("f").c_str(), "user.color", buf, sizeof buf), 4) << errno_name(errno);
  EXPECT_EQ(std::string(buf, 4), "blue");
}

TEST_P(PosixAttr, XattrSizeProbeReturnsSize) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  std::string value(300, 'v');
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.big", value.data(), value.size(), 0));
  EXPECT_EQ(::getxattr(path("f").c_str(), "user.big", nullptr, 0), 300) << errno_name(errno);
}

TEST_P(PosixAttr, XattrTooSmallBufferFailsErange) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.k", "0123456789", 10, 0));
  char buf[4];
  EXPECT_ERRNO(::getxattr(path("f").c_str(), "user.k", buf, sizeof buf), ERANGE);
}

TEST_P(PosixAttr, XattrMissingFailsEnodata) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  char buf[16];
  EXPECT_ERRNO(::getxattr(path("f").c_str(), "user.none", buf, sizeof buf), ENODATA);
  EXPECT_ERRNO(::getxattr(path("f").c_str(), "user.none", nullptr, 0), ENODATA);
}

TEST_P(PosixAttr, XattrCreateOnExistingFailsEexist) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.k", "one", 3, XATTR_CREATE));
  EXPECT_ERRNO(::setxattr(path("f").c_str(), "user.k", "two", 3, XATTR_CREATE), EEXIST);
  char buf[8];
  EXPECT_EQ(::getxattr(path("f").c_str(), "user.k", buf, sizeof buf), 3);
  EXPECT_EQ(std::string(buf, 3), "one");
}

TEST_P(PosixAttr, XattrReplaceOnMissingFailsEnodata) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::setxattr(path("f").c_str(), "user.k", "v", 1, XATTR_REPLACE), ENODATA);
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.k", "v", 1, 0));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.k", "w2", 2, XATTR_REPLACE));
  char buf[8];
  EXPECT_EQ(::getxattr(path("f").c_str(), "user.k", buf, sizeof buf), 2);
  EXPECT_EQ(std::string(buf, 2), "w2");
}

TEST_P(PosixAttr, XattrListShowsAllNames) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.a", "1", 1, 0));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.bb", "22", 2, 0));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.ccc", "", 0, 0));
  ssize_t size = ::listxattr(path("f").c_str(), nullptr, 0);
  ASSERT_GE(size, 0) << errno_name(errno);
  std::vector<char> buf(static_cast<std::size_t>(size) + 16);
  ssize_t n = ::listxattr(path("f").c_str(), buf.data(), buf.size());
  ASSERT_EQ(n, size);
  auto names = split_names(buf.data(), n);
  // Only the user. names we set (root may also see e.g. security.* ones).
  std::vector<std::string> user;
  for (auto& s : names)
    if (s.rfind("user.", 0) == 0) user.push_back(s);
  EXPECT_EQ(user, (std::vector<std::string>{"user.a", "user.bb", "user.ccc"}));
}

TEST_P(PosixAttr, XattrListTooSmallBufferFailsErange) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.somewhat_long_name", "1", 1, 0));
  char buf[4];
  EXPECT_ERRNO(::listxattr(path("f").c_str(), buf, sizeof buf), ERANGE);
}

TEST_P(PosixAttr, XattrRemove) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.gone", "v", 1, 0));
  ASSERT_SYS(::removexattr(path("f").c_str(), "user.gone"));
  EXPECT_ERRNO(::getxattr(path("f").c_str(), "user.gone", nullptr, 0), ENODATA);
  EXPECT_ERRNO(::removexattr(path("f").c_str(), "user.gone"), ENODATA);
}

TEST_P(PosixAttr, XattrBinaryAndEmptyValues) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  std::string bin("\0\1\2\0\xff", 5);
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.bin", bin.data(), bin.size(), 0));
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.empty", "", 0, 0));
  char buf[16];
  ASSERT_EQ(::getxattr(path("f").c_str(), "user.bin", buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), bin);
  EXPECT_EQ(::getxattr(path("f").c_str(), "user.empty", buf, sizeof buf), 0) << errno_name(errno);
}

TEST_P(PosixAttr, XattrOnDirectoryAndThroughFd) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_SYS(::setxattr(path("d").c_str(), "user.dir", "yes", 3, 0));
  Fd fd(::open(path("d").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(fd.ok());
  char buf[8];
  ASSERT_EQ(::fgetxattr(fd, "user.dir", buf, sizeof buf), 3) << errno_name(errno);
  EXPECT_EQ(std::string(buf, 3), "yes");
  ASSERT_SYS(::fsetxattr(fd, "user.dir2", "no", 2, 0));
  EXPECT_EQ(::getxattr(path("d").c_str(), "user.dir2", nullptr, 0), 2);
}

TEST_P(PosixAttr, XattrLargeValue) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  std::string value = random_bytes(3000, 21);  // fits ext4's in-inode+block limit
  ASSERT_SYS(::setxattr(path("f").c_str(), "user.large", value.data(), value.size(), 0));
  std::string back(4096, '\0');
  ssize_t n = ::getxattr(path("f").c_str(), "user.large", back.data(), back.size());
  ASSERT_EQ(n, 3000) << errno_name(errno);
  back.resize(3000);
  EXPECT_TRUE(back == value);
}

TEST_P(PosixAttr, XattrSurvivesRename) {
  ASSERT_TRUE(write_file(path("a"), "x"));
  ASSERT_SYS(::setxattr(path("a").c_str(), "user.tag", "kept", 4, 0));
  ASSERT_SYS(::rename(path("a").c_str(), path("b").c_str()));
  char buf[8];
  ASSERT_EQ(::getxattr(path("b").c_str(), "user.tag", buf, sizeof buf), 4) << errno_name(errno);
  EXPECT_EQ(std::string(buf, 4), "kept");
}

INSTANTIATE_TEST_SUITE_P(Targets, PosixAttr, ::testing::ValuesIn(all_targets()), target_name);

}  // namespace
}  // namespace uringfuse::test
