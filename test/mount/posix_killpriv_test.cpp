// Set-user-ID and set-group-ID bits cleared when a file is changed (pjdfstest chmod/12.t),
// run against a plain directory (the reference) and the passthrough over every
// transport: writes, truncates, fallocate and copy_file_range by a user who does not own
// the file succeed and clear the bits; the owner's clear them too; root's keep them
// (CAP_FSETID); chown clears them.
//
// Where the rule changed between kernels (S_ISGID without group-execute, which recent
// kernels clear when the writer is not in the file's group) the expected mode is what
// the same change does in a plain directory on this machine.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>

#include "../support/fs_target.hpp"

namespace uringfuse::test {
namespace {

// One way of changing a file's data, as a child may run it: 0, or -1 with errno.
using Change = int (*)(const char* path);

int close_keeping_errno(int fd, int rc) {
  int err = errno;
  ::close(fd);
  errno = err;
  return rc;
}

int write_byte(const char* p) {
  int fd = ::open(p, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  return close_keeping_errno(fd, ::write(fd, "x", 1) == 1 ? 0 : -1);
}

int truncate_path(const char* p) {
  return ::truncate(p, 1);
}

int truncate_open_file(const char* p) {
  int fd = ::open(p, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  return close_keeping_errno(fd, ::ftruncate(fd, 1));
}

int open_truncating(const char* p) {
  int fd = ::open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
  return fd < 0 ? -1 : close_keeping_errno(fd, 0);
}

int create_truncating(const char* p) {  // an existing file: the create only opens it
  int fd = ::open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return fd < 0 ? -1 : close_keeping_errno(fd, 0);
}

int allocate(const char* p) {
  int fd = ::open(p, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  return close_keeping_errno(fd, ::fallocate(fd, 0, 0, 8192));
}

int copy_range_within(const char* p) {  // byte 0 to offset 3: no overlap
  int in = ::open(p, O_RDONLY | O_CLOEXEC);
  if (in < 0) return -1;
  int out = ::open(p, O_WRONLY | O_CLOEXEC);
  if (out < 0) return close_keeping_errno(in, -1);
  loff_t from = 0, to = 3;
  int rc = ::copy_file_range(in, &from, out, &to, 1, 0) == 1 ? 0 : -1;
  close_keeping_errno(out, rc);
  return close_keeping_errno(in, rc);
}

struct NamedChange {
  const char* name;
  Change change;
};

constexpr NamedChange kChanges[] = {
    {"write", write_byte},
    {"truncate", truncate_path},
    {"ftruncate", truncate_open_file},
    {"open(O_TRUNC)", open_truncating},
    {"open(O_CREAT|O_TRUNC)", create_truncating},
    {"fallocate", allocate},
    {"copy_file_range", copy_range_within},
};

std::string octal(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", static_cast<unsigned>(mode));
  return buf;
}

// Creates `p` with three bytes, owned by uid:gid, then sets `mode` (after the chown,
// which would clear set-ID bits).
::testing::AssertionResult make_file(const std::string& p, uid_t uid, gid_t gid, mode_t mode) {
  if (!write_file(p, "abc") || ::chown(p.c_str(), uid, gid) != 0 || ::chmod(p.c_str(), mode) != 0)
    return ::testing::AssertionFailure() << "setting up " << p << ": " << errno_name(errno);
  return ::testing::AssertionSuccess();
}

mode_t mode_of(const std::string& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return static_cast<mode_t>(-1);
  return st.st_mode & 07777;
}

// Makes the file at `p`, applies `change` as `who` (nobody, or root when nullopt) and
// returns the file's mode afterwards; a failed change is a test failure.
mode_t mode_after(const std::string& p, uid_t uid, gid_t gid, mode_t mode, const NamedChange& c,
                  std::optional<uid_t> who) {
  EXPECT_TRUE(make_file(p, uid, gid, mode));
  const char* cp = p.c_str();
  Change change = c.change;
  EXPECT_TRUE(ChildOk(
      run_in_child([&]() -> const char* { return change(cp) == 0 ? nullptr : "change failed"; },
                   who, who ? kNogroup : 0)))
      << c.name << " of a " << octal(mode) << " file owned by " << uid << ":" << gid << " as "
      << (who ? "nobody" : "root");
  return mode_of(p);
}

// What the same change does in a plain directory on this machine.
mode_t native_mode_after(uid_t uid, gid_t gid, mode_t mode, const NamedChange& c,
                         std::optional<uid_t> who) {
  TempDir dir;
  EXPECT_EQ(::chmod(dir.path().c_str(), 0777), 0);  // mkdtemp's 0700 would stop nobody
  return mode_after(dir.sub("f"), uid, gid, mode, c, who);
}

class PosixKillpriv : public FsTargetTest<> {};

// chmod/12.t: root's x777 set-ID file changed by nobody, who may write it.
TEST_P(PosixKillpriv, NonOwnerChangeClearsSetidBits) {
  for (const NamedChange& c : kChanges) {
    for (mode_t mode : {04777, 02777, 06777}) {
      const std::string name = "f" + octal(mode);
      EXPECT_EQ(octal(mode_after(path(name), 0, 0, mode, c, kNobody)), "0777")
          << c.name << " by nobody of root's " << octal(mode) << " file";
    }
  }
}

// Not group-executable: S_ISUID goes; S_ISGID too on current kernels, nobody not being
// in the file's group (0).
TEST_P(PosixKillpriv, NonOwnerChangeOfSetgidWithoutGroupExec) {
  for (const NamedChange& c : kChanges) {
    for (mode_t mode : {02767, 06767}) {
      const std::string name = "f" + octal(mode);
      const mode_t got = mode_after(path(name), 0, 0, mode, c, kNobody);
      EXPECT_EQ(octal(got), octal(native_mode_after(0, 0, mode, c, kNobody)))
          << c.name << " by nobody of root's " << octal(mode) << " file";
      EXPECT_EQ(got & S_ISUID, 0u) << c.name;
    }
  }
}

TEST_P(PosixKillpriv, OwnerChangeClearsSetidBits) {
  for (const NamedChange& c : kChanges) {
    EXPECT_EQ(octal(mode_after(path("x"), kNobody, kNogroup, 06777, c, kNobody)), "0777") << c.name;
    // The owner is in the file's group, and it is not group-executable: S_ISGID stays
    // on current kernels (a mandatory-locking mark once).
    const mode_t got = mode_after(path("nx"), kNobody, kNogroup, 06767, c, kNobody);
    EXPECT_EQ(octal(got), octal(native_mode_after(kNobody, kNogroup, 06767, c, kNobody))) << c.name;
    EXPECT_EQ(got & S_ISUID, 0u) << c.name;
  }
}

// Root has CAP_FSETID: its changes keep the bits, on ext4 as through the passthrough.
TEST_P(PosixKillpriv, RootChangeKeepsSetidBits) {
  for (const NamedChange& c : kChanges) {
    EXPECT_EQ(octal(mode_after(path("f"), kNobody, kNogroup, 06777, c, std::nullopt)), "06777")
        << c.name;
  }
}

TEST_P(PosixKillpriv, ChownClearsSetidBits) {
  ASSERT_TRUE(make_file(path("a"), 0, 0, 06777));
  ASSERT_SYS(::chown(path("a").c_str(), kNobody, static_cast<gid_t>(-1)));
  EXPECT_EQ(octal(mode_of(path("a"))), "0777") << "root's chown";
  // Not group-executable: only S_ISUID goes, even for root.
  ASSERT_TRUE(make_file(path("b"), 0, 0, 06767));
  ASSERT_SYS(::chown(path("b").c_str(), kNobody, static_cast<gid_t>(-1)));
  EXPECT_EQ(octal(mode_of(path("b"))), "02767") << "root's chown";
  // The owner giving its file to its own group.
  ASSERT_TRUE(make_file(path("c"), kNobody, 0, 06777));
  const std::string c = path("c");
  EXPECT_TRUE(ChildOk(run_in_child(
      [&]() -> const char* {
        return ::chown(c.c_str(), static_cast<uid_t>(-1), kNogroup) == 0 ? nullptr : "chgrp failed";
      },
      kNobody, kNogroup)));
  EXPECT_EQ(octal(mode_of(c)), "0777") << "the owner's chgrp";
}

INSTANTIATE_TEST_SUITE_P(Targets, PosixKillpriv, ::testing::ValuesIn(all_targets()), target_name);

}  // namespace
}  // namespace uringfuse::test
