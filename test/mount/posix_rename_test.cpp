// rename(2) and renameat2(2), run against a plain directory (the reference) and the
// passthrough example over every transport: replacing files and directories, the
// errors for mismatched types and non-empty targets, and the NOREPLACE, EXCHANGE and
// WHITEOUT flags.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "../support/fs_target.hpp"

namespace uringfuse::test {
namespace {

class PosixRename : public FsTargetTest<> {
 protected:
  int rename2(const std::string& from, const std::string& to, unsigned flags) {
    return ::renameat2(AT_FDCWD, path(from).c_str(), AT_FDCWD, path(to).c_str(), flags);
  }
  bool exists(const std::string& rel) {
    struct stat st {};
    return ::lstat(path(rel).c_str(), &st) == 0;
  }
  struct stat stat_of(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(::lstat(path(rel).c_str(), &st), 0) << rel << ": " << errno_name(errno);
    return st;
  }
};

TEST_P(PosixRename, RenameToNewName) {
  ASSERT_TRUE(write_file(path("a"), "content"));
  ino_t ino = stat_of("a").st_ino;
  ASSERT_SYS(::rename(path("a").c_str(), path("b").c_str()));
  EXPECT_FALSE(exists("a"));
  EXPECT_EQ(read_file(path("b")).value_or("?"), "content");
  EXPECT_EQ(stat_of("b").st_ino, ino);
}

TEST_P(PosixRename, RenameReplacesExistingFile) {
  ASSERT_TRUE(write_file(path("a"), "new"));
  ASSERT_TRUE(write_file(path("b"), "old contents"));
  ASSERT_SYS(::rename(path("a").c_str(), path("b").c_str()));
  EXPECT_FALSE(exists("a"));
  EXPECT_EQ(read_file(path("b")).value_or("?"), "new");
  auto names = list_dir(root());
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, std::vector<std::string>{"b"});
}

TEST_P(PosixRename, ReplacedFileStaysReadableThroughOpenFd) {
  ASSERT_TRUE(write_file(path("a"), "new"));
  ASSERT_TRUE(write_file(path("b"), "old"));
  Fd fd(::open(path("b").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::rename(path("a").c_str(), path("b").c_str()));
  EXPECT_EQ(pread_string(fd, 10, 0).value_or("?"), "old");
  EXPECT_EQ(read_file(path("b")).value_or("?"), "new");
}

TEST_P(PosixRename, RenameAcrossDirectories) {
  ASSERT_SYS(::mkdir(path("d1").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("d2").c_str(), 0755));
  ASSERT_TRUE(write_file(path("d1/f"), "moving"));
  ASSERT_SYS(::rename(path("d1/f").c_str(), path("d2/g").c_str()));
  EXPECT_FALSE(exists("d1/f"));
  EXPECT_EQ(read_file(path("d2/g")).value_or("?"), "moving");
}

TEST_P(PosixRename, RenameDirectoryMovesContentsAndDotDot) {
  ASSERT_SYS(::mkdir(path("d1").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("d2").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("d1/sub").c_str(), 0755));
  ASSERT_TRUE(write_file(path("d1/sub/f"), "inside"));
  ASSERT_SYS(::rename(path("d1/sub").c_str(), path("d2/sub").c_str()));
  EXPECT_EQ(read_file(path("d2/sub/f")).value_or("?"), "inside");
  EXPECT_EQ(stat_of("d2/sub/..").st_ino, stat_of("d2").st_ino);
  EXPECT_EQ(stat_of("d1").st_nlink, 2u);
  EXPECT_EQ(stat_of("d2").st_nlink, 3u);
}

TEST_P(PosixRename, RenameDirOverEmptyDir) {
  ASSERT_SYS(::mkdir(path("a").c_str(), 0755));
  ASSERT_TRUE(write_file(path("a/f"), "x"));
  ASSERT_SYS(::mkdir(path("b").c_str(), 0755));
  ASSERT_SYS(::rename(path("a").c_str(), path("b").c_str()));
  EXPECT_FALSE(exists("a"));
  EXPECT_EQ(read_file(path("b/f")).value_or("?"), "x");
}

TEST_P(PosixRename, RenameDirOverNonEmptyDirFailsEnotempty) {
  ASSERT_SYS(::mkdir(path("a").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("b").c_str(), 0755));
  ASSERT_TRUE(write_file(path("b/keep"), "k"));
  EXPECT_ERRNO(::rename(path("a").c_str(), path("b").c_str()), ENOTEMPTY);
  EXPECT_TRUE(exists("a"));
  EXPECT_EQ(read_file(path("b/keep")).value_or("?"), "k");
}

TEST_P(PosixRename, RenameDirOverFileFailsEnotdir) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::rename(path("d").c_str(), path("f").c_str()), ENOTDIR);
  EXPECT_TRUE(S_ISDIR(stat_of("d").st_mode));
  EXPECT_TRUE(S_ISREG(stat_of("f").st_mode));
}

TEST_P(PosixRename, RenameFileOverDirFailsEisdir) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::rename(path("f").c_str(), path("d").c_str()), EISDIR);
  EXPECT_TRUE(S_ISDIR(stat_of("d").st_mode));
  EXPECT_TRUE(S_ISREG(stat_of("f").st_mode));
}

TEST_P(PosixRename, RenameMissingSourceFailsEnoent) {
  EXPECT_ERRNO(::rename(path("missing").c_str(), path("b").c_str()), ENOENT);
}

TEST_P(PosixRename, RenameIntoOwnSubdirectoryFailsEinval) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("d/sub").c_str(), 0755));
  EXPECT_ERRNO(::rename(path("d").c_str(), path("d/sub/d").c_str()), EINVAL);
}

TEST_P(PosixRename, RenameBetweenHardLinksOfSameFileIsNoop) {
  ASSERT_TRUE(write_file(path("a"), "same"));
  ASSERT_SYS(::link(path("a").c_str(), path("b").c_str()));
  ASSERT_SYS(::rename(path("a").c_str(), path("b").c_str()));
  EXPECT_TRUE(exists("a"));
  EXPECT_TRUE(exists("b"));
  EXPECT_EQ(stat_of("b").st_nlink, 2u);
}

TEST_P(PosixRename, RenameSymlinkRenamesTheLink) {
  ASSERT_TRUE(write_file(path("t"), "target"));
  ASSERT_SYS(::symlink("t", path("l").c_str()));
  ASSERT_SYS(::rename(path("l").c_str(), path("m").c_str()));
  EXPECT_TRUE(S_ISLNK(stat_of("m").st_mode));
  EXPECT_EQ(read_file(path("m")).value_or("?"), "target");
  EXPECT_TRUE(exists("t"));
}

TEST_P(PosixRename, NoreplaceOnExistingFailsEexist) {
  ASSERT_TRUE(write_file(path("a"), "a"));
  ASSERT_TRUE(write_file(path("b"), "b"));
  EXPECT_ERRNO(rename2("a", "b", RENAME_NOREPLACE), EEXIST);
  EXPECT_EQ(read_file(path("a")).value_or("?"), "a");
  EXPECT_EQ(read_file(path("b")).value_or("?"), "b");
}

TEST_P(PosixRename, NoreplaceToNewNameSucceeds) {
  ASSERT_TRUE(write_file(path("a"), "a"));
  ASSERT_SYS(rename2("a", "b", RENAME_NOREPLACE));
  EXPECT_FALSE(exists("a"));
  EXPECT_EQ(read_file(path("b")).value_or("?"), "a");
}

TEST_P(PosixRename, ExchangeSwapsFileContents) {
  ASSERT_TRUE(write_file(path("a"), "first"));
  ASSERT_TRUE(write_file(path("b"), "second"));
  ino_t ia = stat_of("a").st_ino, ib = stat_of("b").st_ino;
  ASSERT_SYS(rename2("a", "b", RENAME_EXCHANGE));
  EXPECT_EQ(read_file(path("a")).value_or("?"), "second");
  EXPECT_EQ(read_file(path("b")).value_or("?"), "first");
  EXPECT_EQ(stat_of("a").st_ino, ib);
  EXPECT_EQ(stat_of("b").st_ino, ia);
}

TEST_P(PosixRename, ExchangeFileAndDirectory) {
  ASSERT_TRUE(write_file(path("f"), "file"));
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  ASSERT_TRUE(write_file(path("d/inner"), "in"));
  ASSERT_SYS(rename2("f", "d", RENAME_EXCHANGE));
  EXPECT_TRUE(S_ISDIR(stat_of("f").st_mode));
  EXPECT_TRUE(S_ISREG(stat_of("d").st_mode));
  EXPECT_EQ(read_file(path("f/inner")).value_or("?"), "in");
  EXPECT_EQ(read_file(path("d")).value_or("?"), "file");
}

TEST_P(PosixRename, ExchangeAcrossDirectories) {
  ASSERT_SYS(::mkdir(path("d1").c_str(), 0755));
  ASSERT_SYS(::mkdir(path("d2").c_str(), 0755));
  ASSERT_TRUE(write_file(path("d1/x"), "one"));
  ASSERT_TRUE(write_file(path("d2/y"), "two"));
  ASSERT_SYS(rename2("d1/x", "d2/y", RENAME_EXCHANGE));
  EXPECT_EQ(read_file(path("d1/x")).value_or("?"), "two");
  EXPECT_EQ(read_file(path("d2/y")).value_or("?"), "one");
}

TEST_P(PosixRename, ExchangeWithMissingTargetFailsEnoent) {
  ASSERT_TRUE(write_file(path("a"), "a"));
  EXPECT_ERRNO(rename2("a", "missing", RENAME_EXCHANGE), ENOENT);
  EXPECT_EQ(read_file(path("a")).value_or("?"), "a");
}

TEST_P(PosixRename, ExchangeWithNoreplaceFailsEinval) {
  ASSERT_TRUE(write_file(path("a"), "a"));
  ASSERT_TRUE(write_file(path("b"), "b"));
  EXPECT_ERRNO(rename2("a", "b", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
}

TEST_P(PosixRename, WhiteoutLeavesCharDeviceZeroZero) {
  // As root (CAP_MKNOD) on ext4/tmpfs this succeeds; the source name becomes a 0/0
  // character device.
  ASSERT_TRUE(write_file(path("a"), "whiteout me"));
  ASSERT_SYS(rename2("a", "b", RENAME_WHITEOUT));
  EXPECT_EQ(read_file(path("b")).value_or("?"), "whiteout me");
  struct stat st = stat_of("a");
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << std::oct << st.st_mode;
  EXPECT_EQ(major(st.st_rdev), 0u);
  EXPECT_EQ(minor(st.st_rdev), 0u);
}

INSTANTIATE_TEST_SUITE_P(Targets, PosixRename, ::testing::ValuesIn(all_targets()), target_name);

}  // namespace
}  // namespace uringfuse::test
