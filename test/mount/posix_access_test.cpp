// Locks and permissions between processes, run against a plain directory (the
// reference) and the passthrough example over every transport: fcntl record locks and
// flock seen from a forked child, and a child running as nobody (65534:65534) that
// creates objects it must own and is refused access to root's files.
//
// Children run only plain syscalls (no gtest, no allocation) and report the first
// failed check through run_in_child().
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "../support/fs_target.hpp"

namespace uringfuse::test {
namespace {

class PosixAccess : public FsTargetTest<> {
 protected:
  Fd open_rw(const std::string& rel) { return Fd(::open(path(rel).c_str(), O_RDWR | O_CLOEXEC)); }
};

int setlk(int fd, short type, off_t start, off_t len) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  return ::fcntl(fd, F_SETLK, &fl);
}

bool is_lock_conflict(int err) { return err == EAGAIN || err == EACCES; }

// ---- fcntl record locks ----

TEST_P(PosixAccess, FcntlWriteLockConflictsInOtherProcess) {
  ASSERT_TRUE(write_file(path("f"), std::string(200, 'l')));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(setlk(fd, F_WRLCK, 0, 100));
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    if (setlk(cfd, F_WRLCK, 50, 10) == 0) return "overlapping write lock was granted";
    if (!is_lock_conflict(errno)) return "write lock failed with an unexpected errno";
    if (setlk(cfd, F_RDLCK, 99, 1) == 0) return "overlapping read lock was granted";
    if (!is_lock_conflict(errno)) return "read lock failed with an unexpected errno";
    return nullptr;
  })));
}

TEST_P(PosixAccess, FcntlGetlkReportsTheHolder) {
  ASSERT_TRUE(write_file(path("f"), std::string(200, 'l')));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(setlk(fd, F_WRLCK, 10, 90));
  const std::string p = path("f");
  const pid_t parent = ::getpid();
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 50;
    if (::fcntl(cfd, F_GETLK, &fl) != 0) return "F_GETLK failed";
    if (fl.l_type != F_WRLCK) return "F_GETLK did not report the write lock";
    if (fl.l_pid != parent) return "F_GETLK reported the wrong pid";
    if (fl.l_start != 10 || fl.l_len != 90) return "F_GETLK reported the wrong range";
    return nullptr;
  })));
}

TEST_P(PosixAccess, FcntlReadLocksAreShared) {
  ASSERT_TRUE(write_file(path("f"), "shared"));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(setlk(fd, F_RDLCK, 0, 0));
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    if (setlk(cfd, F_RDLCK, 0, 0) != 0) return "second read lock refused";
    if (setlk(cfd, F_WRLCK, 0, 0) == 0) return "write lock granted over a read lock";
    if (!is_lock_conflict(errno)) return "write lock failed with an unexpected errno";
    return nullptr;
  })));
}

TEST_P(PosixAccess, FcntlNonOverlappingRangesDoNotConflict) {
  ASSERT_TRUE(write_file(path("f"), std::string(300, 'r')));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(setlk(fd, F_WRLCK, 0, 100));
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 100;
    fl.l_len = 10;
    if (::fcntl(cfd, F_GETLK, &fl) != 0) return "F_GETLK failed";
    if (fl.l_type != F_UNLCK) return "F_GETLK reported a conflict on a free range";
    if (setlk(cfd, F_WRLCK, 100, 100) != 0) return "lock on a free range refused";
    return nullptr;
  })));
}

TEST_P(PosixAccess, FcntlUnlockReleasesPartOfRange) {
  ASSERT_TRUE(write_file(path("f"), std::string(200, 'u')));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(setlk(fd, F_WRLCK, 0, 100));
  ASSERT_SYS(setlk(fd, F_UNLCK, 0, 50));
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    if (setlk(cfd, F_WRLCK, 0, 50) != 0) return "lock on the released half refused";
    if (setlk(cfd, F_WRLCK, 50, 10) == 0) return "lock on the still-held half granted";
    return nullptr;
  })));
}

TEST_P(PosixAccess, FcntlLockReleasedOnClose) {
  ASSERT_TRUE(write_file(path("f"), "c"));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(setlk(fd, F_WRLCK, 0, 0));
  fd.reset();
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    if (setlk(cfd, F_WRLCK, 0, 0) != 0) return "lock still held after the holder closed";
    return nullptr;
  })));
}

// ---- flock ----

TEST_P(PosixAccess, FlockExclusiveConflictsInOtherProcess) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::flock(fd, LOCK_EX));
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    if (::flock(cfd, LOCK_EX | LOCK_NB) == 0) return "second exclusive flock granted";
    if (errno != EWOULDBLOCK) return "LOCK_EX|LOCK_NB failed with an unexpected errno";
    if (::flock(cfd, LOCK_SH | LOCK_NB) == 0) return "shared flock granted over an exclusive one";
    if (errno != EWOULDBLOCK) return "LOCK_SH|LOCK_NB failed with an unexpected errno";
    return nullptr;
  })));
}

TEST_P(PosixAccess, FlockSharedLocksCoexist) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::flock(fd, LOCK_SH));
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    if (::flock(cfd, LOCK_SH | LOCK_NB) != 0) return "second shared flock refused";
    int cfd2 = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (cfd2 < 0) return "second open failed";
    if (::flock(cfd2, LOCK_EX | LOCK_NB) == 0) return "exclusive flock granted over shared ones";
    if (errno != EWOULDBLOCK) return "LOCK_EX|LOCK_NB failed with an unexpected errno";
    return nullptr;
  })));
}

TEST_P(PosixAccess, FlockUnlockReleases) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  Fd fd = open_rw("f");
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::flock(fd, LOCK_EX));
  ASSERT_SYS(::flock(fd, LOCK_UN));
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(run_in_child([&]() -> const char* {
    int cfd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (cfd < 0) return "open failed";
    if (::flock(cfd, LOCK_EX | LOCK_NB) != 0) return "flock refused after LOCK_UN";
    return nullptr;
  })));
}

TEST_P(PosixAccess, FlockIsPerOpenFileDescription) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  Fd a = open_rw("f");
  Fd b = open_rw("f");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_SYS(::flock(a, LOCK_EX | LOCK_NB));
  EXPECT_ERRNO(::flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
  ASSERT_SYS(::flock(a, LOCK_UN));
  EXPECT_SYS(::flock(b, LOCK_EX | LOCK_NB));
}

// ---- as nobody (65534:65534) ----

// The child's own checks that `p` is owned by nobody:nogroup (lstat, so links count).
const char* check_owned_by_nobody(const char* p) {
  struct stat st {};
  if (::lstat(p, &st) != 0) return "lstat of the new object failed";
  if (st.st_uid != kNobody) return "new object not owned by uid 65534";
  if (st.st_gid != kNogroup) return "new object not owned by gid 65534";
  return nullptr;
}

class PosixAccessAsNobody : public PosixAccess {
 protected:
  ChildResult as_nobody(const std::function<const char*()>& fn) { return run_in_child(fn, kNobody, kNogroup); }
  void expect_owner(const std::string& rel, uid_t uid, gid_t gid) {
    struct stat st {};
    ASSERT_EQ(::lstat(path(rel).c_str(), &st), 0) << errno_name(errno);
    EXPECT_EQ(st.st_uid, uid) << rel;
    EXPECT_EQ(st.st_gid, gid) << rel;
  }
};

TEST_P(PosixAccessAsNobody, CreatesFileOwnedByCaller) {
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return "create failed";
    if (::write(fd, "mine", 4) != 4) return "write failed";
    struct stat st {};
    if (::fstat(fd, &st) != 0) return "fstat failed";
    if (st.st_uid != kNobody || st.st_gid != kNogroup) return "fstat: not owned by 65534:65534";
    ::close(fd);
    return check_owned_by_nobody(p.c_str());
  })));
  expect_owner("f", kNobody, kNogroup);
}

TEST_P(PosixAccessAsNobody, CreatesDirectoryOwnedByCaller) {
  const std::string p = path("d");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::mkdir(p.c_str(), 0755) != 0) return "mkdir failed";
    return check_owned_by_nobody(p.c_str());
  })));
  expect_owner("d", kNobody, kNogroup);
}

TEST_P(PosixAccessAsNobody, CreatesSymlinkOwnedByCaller) {
  const std::string p = path("l");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::symlink("somewhere", p.c_str()) != 0) return "symlink failed";
    return check_owned_by_nobody(p.c_str());
  })));
  expect_owner("l", kNobody, kNogroup);
}

TEST_P(PosixAccessAsNobody, CreatesHardLinkOwnedByCaller) {
  const std::string a = path("a"), b = path("b");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    int fd = ::open(a.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return "create failed";
    ::close(fd);
    if (::link(a.c_str(), b.c_str()) != 0) return "link failed";
    struct stat st {};
    if (::stat(b.c_str(), &st) != 0) return "stat of the link failed";
    if (st.st_nlink != 2) return "link count is not 2";
    return check_owned_by_nobody(b.c_str());
  })));
  expect_owner("b", kNobody, kNogroup);
}

TEST_P(PosixAccessAsNobody, CreatesFifoOwnedByCaller) {
  const std::string p = path("p");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::mkfifo(p.c_str(), 0644) != 0) return "mkfifo failed";
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return "lstat failed";
    if (!S_ISFIFO(st.st_mode)) return "not a fifo";
    return check_owned_by_nobody(p.c_str());
  })));
  expect_owner("p", kNobody, kNogroup);
}

TEST_P(PosixAccessAsNobody, OpenRootOnlyFileFailsEacces) {
  ASSERT_TRUE(write_file(path("secret"), "root only", 0600));
  ASSERT_SYS(::chmod(path("secret").c_str(), 0600));
  const std::string p = path("secret");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::open(p.c_str(), O_RDONLY | O_CLOEXEC) >= 0) return "opened a root-owned 0600 file";
    if (errno != EACCES) return "open failed with something other than EACCES";
    return nullptr;
  })));
}

TEST_P(PosixAccessAsNobody, WriteToOthersReadOnlyFileFailsEacces) {
  ASSERT_TRUE(write_file(path("ro"), "readable", 0644));
  const std::string p = path("ro");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "read-only open of a 0644 file failed";
    ::close(fd);
    if (::open(p.c_str(), O_WRONLY | O_CLOEXEC) >= 0) return "opened a root-owned 0644 file for writing";
    if (errno != EACCES) return "open for writing failed with something other than EACCES";
    if (::truncate(p.c_str(), 0) == 0) return "truncated a root-owned 0644 file";
    if (errno != EACCES) return "truncate failed with something other than EACCES";
    return nullptr;
  })));
  EXPECT_EQ(read_file(path("ro")).value_or("?"), "readable");
}

TEST_P(PosixAccessAsNobody, ChmodRootFileFailsEperm) {
  ASSERT_TRUE(write_file(path("f"), "x", 0644));
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::chmod(p.c_str(), 0777) == 0) return "chmod of a root-owned file succeeded";
    if (errno != EPERM) return "chmod failed with something other than EPERM";
    return nullptr;
  })));
  struct stat st {};
  ASSERT_SYS(::stat(p.c_str(), &st));
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_P(PosixAccessAsNobody, ChownOwnFileToRootFailsEperm) {
  const std::string p = path("f");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return "create failed";
    ::close(fd);
    if (::chown(p.c_str(), 0, 0) == 0) return "gave a file away to root";
    if (errno != EPERM) return "chown failed with something other than EPERM";
    return nullptr;
  })));
}

TEST_P(PosixAccessAsNobody, UnlinkOthersFileInStickyDirFailsEperm) {
  ASSERT_SYS(::mkdir(path("sticky").c_str(), 0755));
  ASSERT_SYS(::chmod(path("sticky").c_str(), 01777));
  ASSERT_TRUE(write_file(path("sticky/rootfile"), "root's", 0666));
  ASSERT_SYS(::chmod(path("sticky/rootfile").c_str(), 0666));
  const std::string p = path("sticky/rootfile"), q = path("sticky/moved");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::unlink(p.c_str()) == 0) return "unlinked root's file in a sticky dir";
    if (errno != EPERM) return "unlink failed with something other than EPERM";
    if (::rename(p.c_str(), q.c_str()) == 0) return "renamed root's file in a sticky dir";
    if (errno != EPERM) return "rename failed with something other than EPERM";
    return nullptr;
  })));
  EXPECT_EQ(read_file(p).value_or("?"), "root's");
}

TEST_P(PosixAccessAsNobody, UnlinkOwnFileInStickyDirSucceeds) {
  ASSERT_SYS(::mkdir(path("sticky").c_str(), 0755));
  ASSERT_SYS(::chmod(path("sticky").c_str(), 01777));
  const std::string p = path("sticky/mine");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return "create in sticky dir failed";
    ::close(fd);
    if (::unlink(p.c_str()) != 0) return "unlink of own file failed";
    return nullptr;
  })));
  struct stat st {};
  EXPECT_ERRNO(::lstat(p.c_str(), &st), ENOENT);
}

TEST_P(PosixAccessAsNobody, CreateInRootOwnedDirFailsEacces) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  const std::string f = path("d/f"), sub = path("d/sub");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::open(f.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) >= 0) return "created a file in a 0755 root dir";
    if (errno != EACCES) return "create failed with something other than EACCES";
    if (::mkdir(sub.c_str(), 0755) == 0) return "created a dir in a 0755 root dir";
    if (errno != EACCES) return "mkdir failed with something other than EACCES";
    return nullptr;
  })));
}

TEST_P(PosixAccessAsNobody, CreateInSetgidDirInheritsGroup) {
  ASSERT_SYS(::mkdir(path("g").c_str(), 0755));
  ASSERT_SYS(::chown(path("g").c_str(), 0, 1234));
  ASSERT_SYS(::chmod(path("g").c_str(), 02777));
  const std::string f = path("g/f"), d = path("g/d");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return "create failed";
    ::close(fd);
    if (::mkdir(d.c_str(), 0755) != 0) return "mkdir failed";
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) return "stat failed";
    if (st.st_uid != kNobody) return "file not owned by the caller";
    if (st.st_gid != 1234) return "file did not inherit the setgid dir's group";
    if (::stat(d.c_str(), &st) != 0) return "stat of dir failed";
    if (st.st_gid != 1234) return "dir did not inherit the setgid dir's group";
    if (!(st.st_mode & S_ISGID)) return "subdirectory did not inherit the setgid bit";
    return nullptr;
  })));
}

TEST_P(PosixAccessAsNobody, ReadDirWithoutPermissionFailsEacces) {
  ASSERT_SYS(::mkdir(path("closed").c_str(), 0700));
  ASSERT_TRUE(write_file(path("closed/f"), "hidden"));
  const std::string d = path("closed"), f = path("closed/f");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) >= 0) return "opened a 0700 root dir";
    if (errno != EACCES) return "opendir failed with something other than EACCES";
    struct stat st {};
    if (::stat(f.c_str(), &st) == 0) return "stat through a 0700 root dir succeeded";
    if (errno != EACCES) return "stat failed with something other than EACCES";
    return nullptr;
  })));
}

// open/06.t: a directory the caller may read but not search opens for reading and
// lists; only what is inside stays out of reach. Without read permission it does not.
TEST_P(PosixAccessAsNobody, ReadableDirWithoutSearchPermissionOpens) {
  ASSERT_SYS(::mkdir(path("rootdir").c_str(), 0755));
  ASSERT_TRUE(write_file(path("rootdir/f"), "x"));
  ASSERT_SYS(::chmod(path("rootdir").c_str(), 0644));
  ASSERT_SYS(::mkdir(path("owndir").c_str(), 0755));
  ASSERT_SYS(::chown(path("owndir").c_str(), kNobody, kNogroup));
  ASSERT_SYS(::chmod(path("owndir").c_str(), 0400));
  ASSERT_SYS(::mkdir(path("searchonly").c_str(), 0755));
  ASSERT_SYS(::chown(path("searchonly").c_str(), kNobody, kNogroup));
  ASSERT_SYS(::chmod(path("searchonly").c_str(), 0300));
  const std::string root_dir = path("rootdir"), root_file = path("rootdir/f");
  const std::string own_dir = path("owndir"), search_only = path("searchonly");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    int fd = ::open(root_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return "O_RDONLY|O_DIRECTORY of root's 0644 dir failed";
    alignas(8) char buf[4096];
    long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    ::close(fd);
    if (n < 0) return "listing root's 0644 dir failed";
    bool found = false;
    for (long at = 0; at < n;) {
      auto* e = reinterpret_cast<const struct dirent64*>(buf + at);
      found = found || std::strcmp(e->d_name, "f") == 0;
      at += e->d_reclen;
    }
    if (!found) return "the listing of root's 0644 dir lacks its file";
    fd = ::open(root_dir.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "O_RDONLY of root's 0644 dir failed";
    ::close(fd);
    struct stat st {};
    if (::stat(root_file.c_str(), &st) == 0)
      return "stat inside a dir without search permission succeeded";
    if (errno != EACCES) return "stat inside failed with something other than EACCES";
    fd = ::open(own_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return "O_RDONLY|O_DIRECTORY of the caller's own 0400 dir failed";
    ::close(fd);
    if (::open(search_only.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) >= 0)
      return "opened a 0300 dir for reading";
    if (errno != EACCES) return "opening a 0300 dir failed with something other than EACCES";
    return nullptr;
  })));
}

INSTANTIATE_TEST_SUITE_P(Targets, PosixAccess, ::testing::ValuesIn(all_targets()), target_name);
INSTANTIATE_TEST_SUITE_P(Targets, PosixAccessAsNobody, ::testing::ValuesIn(all_targets()), target_name);

}  // namespace
}  // namespace uringfuse::test
