// POSIX namespace behaviour, run against a plain directory (the reference) and the
// passthrough example over every transport: mkdir/rmdir, unlink (also while open),
// hard links and link counts, symlinks, fifos and readdir/telldir/seekdir.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../support/fs_target.hpp"

namespace uringfuse::test {
namespace {

class PosixDir : public FsTargetTest<> {
 protected:
  struct stat stat_of(const std::string& rel, bool follow = true) {
    struct stat st {};
    int r = follow ? ::stat(path(rel).c_str(), &st) : ::lstat(path(rel).c_str(), &st);
    EXPECT_EQ(r, 0) << rel << ": " << errno_name(errno);
    return st;
  }
};

// RAII for DIR*.
struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

// ---- mkdir / rmdir ----

TEST_P(PosixDir, MkdirCreatesEmptyDirectoryWithMode) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0750));
  struct stat st = stat_of("d");
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_nlink, 2u);
  auto names = list_dir(path("d"));
  ASSERT_TRUE(names.has_value());
  EXPECT_TRUE(names->empty());
}

TEST_P(PosixDir, MkdirExistingFailsEexist) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  EXPECT_ERRNO(::mkdir(path("d").c_str(), 0755), EEXIST);
}

TEST_P(PosixDir, MkdirOverFileFailsEexist) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::mkdir(path("f").c_str(), 0755), EEXIST);
}

TEST_P(PosixDir, MkdirInMissingParentFailsEnoent) {
  EXPECT_ERRNO(::mkdir(path("no/d").c_str(), 0755), ENOENT);
}

TEST_P(PosixDir, MkdirUnderFileFailsEnotdir) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::mkdir(path("f/d").c_str(), 0755), ENOTDIR);
}

TEST_P(PosixDir, NestedDirectoriesAndFiles) {
  ASSERT_SYS(::mkdir(path("a").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("a/b").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("a/b/c").c_str(), 0755));
  ASSERT_TRUE(write_file(path("a/b/c/f"), "deep"));
  EXPECT_EQ(read_file(path("a/b/c/f")).value_or("?"), "deep");
  EXPECT_EQ(list_dir(path("a/b")).value_or(std::vector<std::string>{}), std::vector<std::string>{"c"});
}

TEST_P(PosixDir, RmdirRemovesEmptyDirectory) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_SYS(::rmdir(path("d").c_str()));
  struct stat st {};
  EXPECT_ERRNO(::stat(path("d").c_str(), &st), ENOENT);
}

TEST_P(PosixDir, RmdirNonEmptyFailsEnotempty) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_TRUE(write_file(path("d/f"), "x"));
  EXPECT_ERRNO(::rmdir(path("d").c_str()), ENOTEMPTY);
  EXPECT_EQ(read_file(path("d/f")).value_or("?"), "x");
}

TEST_P(PosixDir, RmdirFileFailsEnotdir) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::rmdir(path("f").c_str()), ENOTDIR);
}

TEST_P(PosixDir, RmdirMissingFailsEnoent) {
  EXPECT_ERRNO(::rmdir(path("missing").c_str()), ENOENT);
}

TEST_P(PosixDir, RmdirDotFailsEinval) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  EXPECT_ERRNO(::rmdir(path("d/.").c_str()), EINVAL);
}

// ---- unlink ----

TEST_P(PosixDir, UnlinkRemovesFile) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  ASSERT_SYS(::unlink(path("f").c_str()));
  struct stat st {};
  EXPECT_ERRNO(::stat(path("f").c_str(), &st), ENOENT);
  auto names = list_dir(root());
  ASSERT_TRUE(names.has_value());
  EXPECT_TRUE(names->empty());
}

TEST_P(PosixDir, UnlinkDirectoryFailsEisdir) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  EXPECT_ERRNO(::unlink(path("d").c_str()), EISDIR);
}

TEST_P(PosixDir, UnlinkMissingFailsEnoent) {
  EXPECT_ERRNO(::unlink(path("missing").c_str()), ENOENT);
}

TEST_P(PosixDir, UnlinkWhileOpenKeepsDataReadable) {
  ASSERT_TRUE(write_file(path("f"), "still here"));
  Fd fd(::open(path("f").c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::unlink(path("f").c_str()));
  EXPECT_EQ(pread_string(fd, 100, 0).value_or("?"), "still here");
  // Still writable, too.
  ASSERT_EQ(::pwrite(fd, "STILL", 5, 0), 5) << errno_name(errno);
  EXPECT_EQ(pread_string(fd, 100, 0).value_or("?"), "STILL here");
  struct stat st {};
  EXPECT_ERRNO(::stat(path("f").c_str(), &st), ENOENT);
}

TEST_P(PosixDir, UnlinkWhileOpenFstatShowsNlinkZero) {
  ASSERT_TRUE(write_file(path("f"), "abc"));
  Fd fd(::open(path("f").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::unlink(path("f").c_str()));
  struct stat st {};
  if (GetParam().path_api) {
    // As on libfuse with hard_remove: fstat() carries no file handle to the
    // daemon (the kernel asks GETATTR by node), and a path filesystem is asked by
    // path, which an unlinked file no longer has. Reads through the fd still work.
    errno = 0;
    EXPECT_EQ(::fstat(fd, &st), -1);
    EXPECT_EQ(errno, ENOENT) << errno_name(errno);
    EXPECT_EQ(pread_string(fd, 10, 0).value_or("?"), "abc");
    return;
  }
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(st.st_size, 3);
}

TEST_P(PosixDir, NameCanBeReusedWhileUnlinkedFileIsOpen) {
  ASSERT_TRUE(write_file(path("f"), "old"));
  Fd fd(::open(path("f").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::unlink(path("f").c_str()));
  ASSERT_TRUE(write_file(path("f"), "new"));
  EXPECT_EQ(read_file(path("f")).value_or("?"), "new");
  EXPECT_EQ(pread_string(fd, 10, 0).value_or("?"), "old");
}

// ---- hard links ----

TEST_P(PosixDir, LinkIncrementsNlinkAndSharesInode) {
  ASSERT_TRUE(write_file(path("a"), "shared"));
  ASSERT_SYS(::link(path("a").c_str(), path("b").c_str()));
  ASSERT_SYS(::link(path("a").c_str(), path("c").c_str()));
  struct stat a = stat_of("a"), b = stat_of("b"), c = stat_of("c");
  EXPECT_EQ(a.st_nlink, 3u);
  EXPECT_EQ(b.st_nlink, 3u);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_ino, c.st_ino);
}

TEST_P(PosixDir, UnlinkOneLinkKeepsTheOthers) {
  ASSERT_TRUE(write_file(path("a"), "shared"));
  ASSERT_SYS(::link(path("a").c_str(), path("b").c_str()));
  ASSERT_SYS(::unlink(path("a").c_str()));
  struct stat b = stat_of("b");
  EXPECT_EQ(b.st_nlink, 1u);
  EXPECT_EQ(read_file(path("b")).value_or("?"), "shared");
}

TEST_P(PosixDir, WriteThroughOneLinkVisibleThroughOther) {
  ASSERT_TRUE(write_file(path("a"), "aaaa"));
  ASSERT_SYS(::link(path("a").c_str(), path("b").c_str()));
  {
    Fd fd(::open(path("a").c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.ok());
    ASSERT_EQ(::pwrite(fd, "XY", 2, 1), 2);
  }
  EXPECT_EQ(read_file(path("b")).value_or("?"), "aXYa");
}

TEST_P(PosixDir, LinkToExistingNameFailsEexist) {
  ASSERT_TRUE(write_file(path("a"), "a"));
  ASSERT_TRUE(write_file(path("b"), "b"));
  EXPECT_ERRNO(::link(path("a").c_str(), path("b").c_str()), EEXIST);
  EXPECT_EQ(read_file(path("b")).value_or("?"), "b");
}

TEST_P(PosixDir, LinkToDirectoryFailsEperm) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  EXPECT_ERRNO(::link(path("d").c_str(), path("e").c_str()), EPERM);
}

TEST_P(PosixDir, LinkMissingSourceFailsEnoent) {
  EXPECT_ERRNO(::link(path("missing").c_str(), path("b").c_str()), ENOENT);
}

TEST_P(PosixDir, DirectoryNlinkCountsSubdirectories) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("d/a").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("d/b").c_str(), 0755));
  ASSERT_TRUE(write_file(path("d/f"), "x"));
  EXPECT_EQ(stat_of("d").st_nlink, 4u);
  ASSERT_SYS(::rmdir(path("d/a").c_str()));
  EXPECT_EQ(stat_of("d").st_nlink, 3u);
}

// ---- symlinks ----

TEST_P(PosixDir, SymlinkAndReadlink) {
  ASSERT_TRUE(write_file(path("target"), "t"));
  ASSERT_SYS(::symlink("target", path("l").c_str()));
  char buf[64];
  ssize_t n = ::readlink(path("l").c_str(), buf, sizeof buf);
  ASSERT_EQ(n, 6) << errno_name(errno);
  EXPECT_EQ(std::string(buf, 6), "target");
  struct stat st = stat_of("l", false);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, 6);
}

TEST_P(PosixDir, DanglingSymlinkReadlinkWorksStatFails) {
  ASSERT_SYS(::symlink("nowhere/at/all", path("l").c_str()));
  char buf[64];
  ssize_t n = ::readlink(path("l").c_str(), buf, sizeof buf);
  ASSERT_EQ(n, 14) << errno_name(errno);
  EXPECT_EQ(std::string(buf, 14), "nowhere/at/all");
  struct stat st {};
  EXPECT_ERRNO(::stat(path("l").c_str(), &st), ENOENT);
  ASSERT_SYS(::lstat(path("l").c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST_P(PosixDir, SymlinkIsFollowedByOpenAndStat) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_TRUE(write_file(path("d/f"), "via link"));
  ASSERT_SYS(::symlink("d/f", path("l").c_str()));
  ASSERT_SYS(::symlink("d", path("ld").c_str()));
  EXPECT_EQ(read_file(path("l")).value_or("?"), "via link");
  EXPECT_EQ(read_file(path("ld/f")).value_or("?"), "via link");
  EXPECT_EQ(stat_of("l").st_ino, stat_of("d/f").st_ino);
  EXPECT_ERRNO(::open(path("l").c_str(), O_RDONLY | O_NOFOLLOW), ELOOP);
}

TEST_P(PosixDir, SymlinkOverExistingNameFailsEexist) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::symlink("anything", path("f").c_str()), EEXIST);
}

TEST_P(PosixDir, ReadlinkOnRegularFileFailsEinval) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  char buf[16];
  EXPECT_ERRNO(::readlink(path("f").c_str(), buf, sizeof buf), EINVAL);
}

TEST_P(PosixDir, ReadlinkTruncatesToBuffer) {
  ASSERT_SYS(::symlink("abcdefgh", path("l").c_str()));
  char buf[3];
  EXPECT_EQ(::readlink(path("l").c_str(), buf, sizeof buf), 3);
  EXPECT_EQ(std::string(buf, 3), "abc");
}

TEST_P(PosixDir, SymlinkLoopFailsEloop) {
  ASSERT_SYS(::symlink("b", path("a").c_str()));
  ASSERT_SYS(::symlink("a", path("b").c_str()));
  EXPECT_ERRNO(::open(path("a").c_str(), O_RDONLY), ELOOP);
}

TEST_P(PosixDir, LongSymlinkTarget) {
  std::string target(1000, 'x');
  for (std::size_t i = 100; i < target.size(); i += 100) target[i] = '/';
  ASSERT_SYS(::symlink(target.c_str(), path("l").c_str()));
  std::vector<char> buf(4096);
  ssize_t n = ::readlink(path("l").c_str(), buf.data(), buf.size());
  ASSERT_EQ(n, 1000) << errno_name(errno);
  EXPECT_EQ(std::string(buf.data(), 1000), target);
}

// ---- special files ----

TEST_P(PosixDir, MknodFifo) {
  ASSERT_SYS(::mknod(path("p").c_str(), S_IFIFO | 0640, 0));
  struct stat st = stat_of("p");
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_P(PosixDir, FifoCarriesData) {
  ASSERT_SYS(::mkfifo(path("p").c_str(), 0644));
  Fd fd(::open(path("p").c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  ASSERT_EQ(::write(fd, "piped", 5), 5);
  char buf[8];
  ASSERT_EQ(::read(fd, buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "piped");
}

TEST_P(PosixDir, MknodRegularFile) {
  ASSERT_SYS(::mknod(path("r").c_str(), S_IFREG | 0600, 0));
  struct stat st = stat_of("r");
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 0);
}

TEST_P(PosixDir, MknodExistingFailsEexist) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::mknod(path("f").c_str(), S_IFIFO | 0644, 0), EEXIST);
}

// ---- readdir ----

TEST_P(PosixDir, ReaddirTenThousandEntries) {
  constexpr int kCount = 10000;
  ASSERT_SYS(::mkdir(path("big").c_str(), 0755));
  char name[32];
  for (int i = 0; i < kCount; ++i) {
    std::snprintf(name, sizeof name, "/f%05d", i);
    int fd = ::open((path("big") + name).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << name << ": " << errno_name(errno);
    ::close(fd);
  }
  DirPtr d(::opendir(path("big").c_str()));
  ASSERT_TRUE(d) << errno_name(errno);
  std::vector<int> seen(kCount, 0);
  int dots = 0, dotdots = 0, others = 0;
  std::string first_other;
  errno = 0;
  while (struct dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n == ".") {
      ++dots;
    } else if (n == "..") {
      ++dotdots;
    } else if (n.size() == 6 && n[0] == 'f') {
      int i = std::atoi(n.c_str() + 1);
      if (i >= 0 && i < kCount) ++seen[i];
      else if (others++ == 0) first_other = n;
    } else if (others++ == 0) {
      first_other = n;
    }
  }
  ASSERT_EQ(errno, 0) << "readdir: " << errno_name(errno);
  EXPECT_EQ(dots, 1);
  EXPECT_EQ(dotdots, 1);
  EXPECT_EQ(others, 0) << "unexpected entry " << first_other;
  int missing = 0, dup = 0, first_bad = -1;
  for (int i = 0; i < kCount; ++i) {
    if (seen[i] != 1 && first_bad < 0) first_bad = i;
    if (seen[i] == 0) ++missing;
    if (seen[i] > 1) ++dup;
  }
  EXPECT_EQ(missing, 0) << "first bad index " << first_bad;
  EXPECT_EQ(dup, 0) << "first bad index " << first_bad;
}

TEST_P(PosixDir, TelldirSeekdirRereadsSameEntry) {
  constexpr int kCount = 2000;  // several readdir batches
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  char name[32];
  for (int i = 0; i < kCount; ++i) {
    std::snprintf(name, sizeof name, "/entry-with-a-longer-name-%04d", i);
    int fd = ::open((path("d") + name).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << errno_name(errno);
    ::close(fd);
  }
  DirPtr d(::opendir(path("d").c_str()));
  ASSERT_TRUE(d);
  std::vector<std::pair<long, std::string>> marks;  // (telldir before, name read)
  int index = 0;
  for (;;) {
    long pos = ::telldir(d.get());
    struct dirent* e = ::readdir(d.get());
    if (!e) break;
    if (index == 5 || index == 999 || index == 1700) marks.emplace_back(pos, e->d_name);
    ++index;
  }
  ASSERT_EQ(index, kCount + 2);
  ASSERT_EQ(marks.size(), 3u);
  for (auto it = marks.rbegin(); it != marks.rend(); ++it) {
    ::seekdir(d.get(), it->first);
    struct dirent* e = ::readdir(d.get());
    ASSERT_NE(e, nullptr) << "nothing after seekdir(" << it->first << ")";
    EXPECT_EQ(std::string(e->d_name), it->second) << "seekdir(" << it->first << ")";
  }
  // And rewinddir starts over with all entries.
  ::rewinddir(d.get());
  int again = 0;
  while (::readdir(d.get())) ++again;
  EXPECT_EQ(again, kCount + 2);
}

TEST_P(PosixDir, RewinddirSeesNewEntries) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  DirPtr d(::opendir(path("d").c_str()));
  ASSERT_TRUE(d);
  int n = 0;
  while (::readdir(d.get())) ++n;
  EXPECT_EQ(n, 2);
  ASSERT_TRUE(write_file(path("d/new"), "x"));
  ::rewinddir(d.get());
  bool found = false;
  while (struct dirent* e = ::readdir(d.get()))
    if (std::string(e->d_name) == "new") found = true;
  EXPECT_TRUE(found);
}

TEST_P(PosixDir, ReaddirReportsTypesAndInodes) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_TRUE(write_file(path("d/f"), "x"));
  ASSERT_SYS(::mkdir(path("d/sub").c_str(), 0755));
  ASSERT_SYS(::symlink("f", path("d/l").c_str()));
  ASSERT_SYS(::mkfifo(path("d/p").c_str(), 0644));
  DirPtr d(::opendir(path("d").c_str()));
  ASSERT_TRUE(d);
  std::map<std::string, std::pair<unsigned char, ino_t>> entries;
  while (struct dirent* e = ::readdir(d.get())) entries[e->d_name] = {e->d_type, e->d_ino};
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries["f"].first, DT_REG);
  EXPECT_EQ(entries["sub"].first, DT_DIR);
  EXPECT_EQ(entries["l"].first, DT_LNK);
  EXPECT_EQ(entries["p"].first, DT_FIFO);
  EXPECT_EQ(entries["f"].second, stat_of("d/f").st_ino);
  EXPECT_EQ(entries["sub"].second, stat_of("d/sub").st_ino);
}

TEST_P(PosixDir, LongAndOddFileNames) {
  std::string longest(255, 'n');
  ASSERT_TRUE(write_file(path(longest), "long")) << errno_name(errno);
  EXPECT_EQ(read_file(path(longest)).value_or("?"), "long");
  EXPECT_ERRNO(::open(path(longest + "n").c_str(), O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
  const std::string odd = "sp ace\ttab\xc3\xa9-\x01-\\";
  ASSERT_TRUE(write_file(path(odd), "odd")) << errno_name(errno);
  auto names = list_dir(root());
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, (std::vector<std::string>{longest, odd}));
}

INSTANTIATE_TEST_SUITE_P(Targets, PosixDir, ::testing::ValuesIn(all_targets()), target_name);

}  // namespace
}  // namespace uringfuse::test
