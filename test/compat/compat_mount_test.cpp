// The libfuse-compatible filesystems in this directory, built the way an outside
// project would build them (build-with-pkgconfig.sh, through pkg-config only), then
// mounted for real over every transport and driven with plain syscalls.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "compat_fixture.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

TEST(CompatBuild, EveryFilesystemBuildsThroughPkgConfig) {
  const BuildResult& b = build_filesystems();
  ASSERT_TRUE(b.ok) << "build-with-pkgconfig.sh failed:\n" << b.output;
  for (const char* name : {"hello_ll", "memfs_ll", "passthrough_ll", "designated_init", "hello_hl", "passthrough_hl"})
    EXPECT_EQ(::access(compat_binary(name).c_str(), X_OK), 0) << name << ": " << std::strerror(errno);
}

// fuse_parse_cmdline's --help and -V, without mounting anything.
TEST(CompatBuild, HelpAndVersion) {
  const BuildResult& b = build_filesystems();
  ASSERT_TRUE(b.ok) << "build-with-pkgconfig.sh failed:\n" << b.output;
  TempDir dir;
  for (const char* name : {"hello_ll", "memfs_ll", "passthrough_ll", "designated_init"}) {
    Process help(compat_binary(name), {"--help"}, dir.sub("help.log"));
    auto status = help.wait(10s);
    ASSERT_TRUE(status.has_value()) << name << " --help hangs";
    EXPECT_EQ(*status, 0) << name << " --help:\n" << help.output();
    EXPECT_NE(help.output().find("usage"), std::string::npos) << help.output();

    Process version(compat_binary(name), {"-V"}, dir.sub("version.log"));
    status = version.wait(10s);
    ASSERT_TRUE(status.has_value()) << name << " -V hangs";
    EXPECT_EQ(*status, 0) << name << " -V:\n" << version.output();
    EXPECT_NE(version.output().find("FUSE library version"), std::string::npos) << version.output();
  }
}

// libfuse 3.19's early daemonizing (fuse_daemonize_early_start before mounting,
// fuse_daemonize_early_success after): the parent exits 0 only once the child is
// mounted and has answered INIT, so what the child logs at INIT still reaches the
// parent's terminal; a child that fails first makes the parent exit non-zero.
TEST(CompatDaemonize, ParentExitsOnceInitIsAnswered) {
  URINGFUSE_REQUIRE_MOUNT_PREREQUISITES();
  const BuildResult& b = build_filesystems();
  ASSERT_TRUE(b.ok) << "build-with-pkgconfig.sh failed:\n" << b.output;
  for (bool uring : {false, true}) {
    SCOPED_TRACE(uring ? "io_uring" : "/dev/fuse");
    if (uring) {
      ASSERT_TRUE(enable_fuse_uring());
    }
    TempDir dir;
    const std::string mnt = dir.sub("mnt");
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    Watchdog watchdog(mnt, 30s);
    std::vector<std::string> args{"HELLO_DAEMONIZE=early", compat_binary("hello_ll")};
    if (uring) args.insert(args.end(), {"-o", "io_uring"});
    args.push_back(mnt);
    Process parent("/usr/bin/env", args, dir.sub("parent.log"));
    auto status = parent.wait(10s);
    ASSERT_TRUE(status.has_value()) << "the parent did not exit:\n" << parent.output();
    EXPECT_EQ(*status, 0) << parent.output();
    // Mounted and initialized when the parent returns, and the INIT-time line came out.
    EXPECT_TRUE(find_mount(mnt).has_value()) << parent.output();
    EXPECT_NE(parent.output().find("hello_ll: INIT answered, protocol 7.45"), std::string::npos) << parent.output();
    if (uring) {
      EXPECT_NE(parent.output().find("serving over io_uring"), std::string::npos) << parent.output();
    }
    auto text = read_file(mnt + "/hello");
    EXPECT_EQ(text.value_or("<unreadable>"), "Hello World!\n");
    // The daemon (not our child: it was forked by the parent) ends with its mount.
    EXPECT_TRUE(force_unmount(mnt));
    EXPECT_FALSE(watchdog.fired());
  }
}

TEST(CompatDaemonize, ParentReportsAFailureBeforeInit) {
  URINGFUSE_REQUIRE_MOUNT_PREREQUISITES();
  const BuildResult& b = build_filesystems();
  ASSERT_TRUE(b.ok) << "build-with-pkgconfig.sh failed:\n" << b.output;
  TempDir dir;
  Process parent("/usr/bin/env", {"HELLO_DAEMONIZE=early", compat_binary("hello_ll"), dir.sub("missing")},
                 dir.sub("parent.log"));
  auto status = parent.wait(10s);
  ASSERT_TRUE(status.has_value()) << "the parent did not exit:\n" << parent.output();
  EXPECT_NE(*status, 0) << parent.output();
  EXPECT_NE(parent.output().find("missing"), std::string::npos) << "the child's error did not reach the terminal:\n"
                                                                << parent.output();
}

// ---- hello_ll.c ----------------------------------------------------------------

TEST_P(CompatMount, HelloReadsTheFile) {
  ASSERT_NO_FATAL_FAILURE(start("hello_ll"));
  auto text = read_file(at("hello"));
  ASSERT_TRUE(text.has_value()) << std::strerror(errno);
  EXPECT_EQ(*text, "Hello World!\n");
  int fd = ::open(at("hello").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[16] = {};
  EXPECT_EQ(::pread(fd, buf, 6, 6), 6);
  EXPECT_EQ(std::string(buf, 6), "World!");
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 100), 0);
  ::close(fd);
}

TEST_P(CompatMount, HelloStatsAndLists) {
  ASSERT_NO_FATAL_FAILURE(start("hello_ll"));
  struct stat st {};
  ASSERT_EQ(::stat(mnt_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ASSERT_EQ(::stat(at("hello").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_size, 13);
  EXPECT_EQ(st.st_ino, 2u);
  EXPECT_EQ(st.st_nlink, 1u);
  errno = 0;
  EXPECT_EQ(::stat(at("missing").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(list_dir(mnt_), (std::vector<std::string>{".", "..", "hello"}));
}

TEST_P(CompatMount, HelloRefusesWrites) {
  ASSERT_NO_FATAL_FAILURE(start("hello_ll"));
  errno = 0;
  EXPECT_EQ(::open(at("hello").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EACCES);
  errno = 0;
  EXPECT_EQ(::open(at("hello").c_str(), O_RDWR), -1);
  EXPECT_EQ(errno, EACCES);
  // No create, mknod or mkdir operation: libfuse answers ENOSYS.
  errno = 0;
  EXPECT_EQ(::open(at("new").c_str(), O_WRONLY | O_CREAT, 0644), -1);
  EXPECT_EQ(errno, ENOSYS);
  errno = 0;
  EXPECT_EQ(::mkdir(at("dir").c_str(), 0755), -1);
  EXPECT_EQ(errno, ENOSYS);
}

TEST_P(CompatMount, HelloMountTableShowsTheSubtype) {
  ASSERT_NO_FATAL_FAILURE(start("hello_ll"));
  auto m = find_mount(mnt_);
  ASSERT_TRUE(m.has_value());
  // fuse_parse_cmdline adds -osubtype=<program name> when none was given.
  EXPECT_EQ(m->fstype, "fuse.hello_ll");
}

// ---- memfs_ll.c ----------------------------------------------------------------

TEST_P(CompatMount, MemfsCreateWriteRead) {
  ASSERT_NO_FATAL_FAILURE(start("memfs_ll"));
  int fd = ::open(at("file").c_str(), O_RDWR | O_CREAT | O_EXCL, 0640);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_EQ(::write(fd, "hello memfs", 11), 11);
  char buf[32] = {};
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 6), 5);
  EXPECT_EQ(std::string(buf, 5), "memfs");
  EXPECT_EQ(::pwrite(fd, "MEM", 3, 6), 3);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_size, 11);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(read_file(at("file")), std::optional<std::string>("hello MEMfs"));

  errno = 0;
  EXPECT_EQ(::open(at("file").c_str(), O_RDWR | O_CREAT | O_EXCL, 0640), -1);
  EXPECT_EQ(errno, EEXIST);

  // Several MiB in one go: many write and read requests, large payloads.
  std::string big = pattern(3 * 1024 * 1024 + 123, 5);
  ASSERT_TRUE(write_file(at("big"), big));
  EXPECT_EQ(read_file(at("big")), std::optional<std::string>(big));
  ASSERT_EQ(::stat(at("big").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, static_cast<off_t>(big.size()));

  // Appending.
  ASSERT_TRUE(append_file(at("file"), "+tail"));
  EXPECT_EQ(read_file(at("file")), std::optional<std::string>("hello MEMfs+tail"));
}

TEST_P(CompatMount, MemfsTruncates) {
  ASSERT_NO_FATAL_FAILURE(start("memfs_ll"));
  ASSERT_TRUE(write_file(at("t"), "0123456789"));
  ASSERT_EQ(::truncate(at("t").c_str(), 4), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(at("t")), std::optional<std::string>("0123"));
  ASSERT_EQ(::truncate(at("t").c_str(), 8), 0);
  EXPECT_EQ(read_file(at("t")), std::optional<std::string>(std::string("0123\0\0\0\0", 8)));

  int fd = ::open(at("t").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 2), 0) << std::strerror(errno);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 2);
  ::close(fd);
  EXPECT_EQ(read_file(at("t")), std::optional<std::string>("01"));

  // O_TRUNC on open (atomic_o_trunc hands it to open()).
  fd = ::open(at("t").c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(::stat(at("t").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);
}

TEST_P(CompatMount, MemfsRenames) {
  ASSERT_NO_FATAL_FAILURE(start("memfs_ll"));
  ASSERT_TRUE(write_file(at("a"), "content of a"));
  ASSERT_TRUE(write_file(at("b"), "content of b"));
  ASSERT_EQ(::rename(at("a").c_str(), at("c").c_str()), 0) << std::strerror(errno);
  struct stat st {};
  errno = 0;
  EXPECT_EQ(::stat(at("a").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(read_file(at("c")), std::optional<std::string>("content of a"));

  // Over an existing name: the target is replaced.
  ASSERT_EQ(::rename(at("c").c_str(), at("b").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(at("b")), std::optional<std::string>("content of a"));
  EXPECT_EQ(list_dir(mnt_), (std::vector<std::string>{".", "..", "b"}));

  // RENAME_NOREPLACE reaches the filesystem through the flags argument.
  ASSERT_TRUE(write_file(at("d"), "d"));
  errno = 0;
  EXPECT_EQ(::renameat2(AT_FDCWD, at("d").c_str(), AT_FDCWD, at("b").c_str(), RENAME_NOREPLACE), -1);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(read_file(at("b")), std::optional<std::string>("content of a"));

  // Into and out of a directory.
  ASSERT_EQ(::mkdir(at("dir").c_str(), 0755), 0);
  ASSERT_EQ(::rename(at("d").c_str(), at("dir/d2").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(at("dir/d2")), std::optional<std::string>("d"));
  ASSERT_EQ(::rename(at("dir").c_str(), at("dir2").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(at("dir2/d2")), std::optional<std::string>("d"));
}

TEST_P(CompatMount, MemfsDirectories) {
  ASSERT_NO_FATAL_FAILURE(start("memfs_ll"));
  ASSERT_EQ(::mkdir(at("d").c_str(), 0750), 0) << std::strerror(errno);
  ASSERT_EQ(::mkdir(at("d/e").c_str(), 0755), 0);
  ASSERT_TRUE(write_file(at("d/e/f"), "deep"));
  struct stat st {};
  ASSERT_EQ(::stat(at("d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_nlink, 3u);  // ".", its name, and e's ".."
  EXPECT_EQ(list_dir(at("d")), (std::vector<std::string>{".", "..", "e"}));
  EXPECT_EQ(list_dir(at("d/e")), (std::vector<std::string>{".", "..", "f"}));

  errno = 0;
  EXPECT_EQ(::rmdir(at("d").c_str()), -1);
  EXPECT_EQ(errno, ENOTEMPTY);
  errno = 0;
  EXPECT_EQ(::mkdir(at("d").c_str(), 0755), -1);
  EXPECT_EQ(errno, EEXIST);
  errno = 0;
  EXPECT_EQ(::unlink(at("d/e").c_str()), -1);
  EXPECT_EQ(errno, EISDIR);

  ASSERT_EQ(::unlink(at("d/e/f").c_str()), 0);
  ASSERT_EQ(::rmdir(at("d/e").c_str()), 0);
  ASSERT_EQ(::rmdir(at("d").c_str()), 0);
  EXPECT_EQ(list_dir(mnt_), (std::vector<std::string>{".", ".."}));

  // A directory with many entries takes several readdir calls.
  ASSERT_EQ(::mkdir(at("many").c_str(), 0755), 0);
  std::vector<std::string> expected{".", ".."};
  for (int i = 0; i < 300; ++i) {
    std::string name = "entry-with-a-longish-name-" + std::to_string(i);
    ASSERT_EQ(::mknod(at("many/" + name).c_str(), S_IFREG | 0644, 0), 0) << std::strerror(errno);
    expected.push_back(name);
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(list_dir(at("many")), expected);
}

TEST_P(CompatMount, MemfsUnlinkKeepsOpenFiles) {
  ASSERT_NO_FATAL_FAILURE(start("memfs_ll"));
  ASSERT_TRUE(write_file(at("gone"), "still here"));
  int fd = ::open(at("gone").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink(at("gone").c_str()), 0) << std::strerror(errno);
  struct stat st {};
  errno = 0;
  EXPECT_EQ(::stat(at("gone").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  char buf[16] = {};
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), 10);
  EXPECT_EQ(std::string(buf, 10), "still here");
  EXPECT_EQ(::pwrite(fd, "S", 1, 0), 1);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(list_dir(mnt_), (std::vector<std::string>{".", ".."}));
}

TEST_P(CompatMount, MemfsAttributesAndStatfs) {
  ASSERT_NO_FATAL_FAILURE(start("memfs_ll"));
  ASSERT_TRUE(write_file(at("f"), "x"));
  ASSERT_EQ(::chmod(at("f").c_str(), 0600), 0) << std::strerror(errno);
  struct stat st {};
  ASSERT_EQ(::stat(at("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  struct timespec times[2] = {{1000000000, 5}, {1200000000, 7}};
  ASSERT_EQ(::utimensat(AT_FDCWD, at("f").c_str(), times, 0), 0) << std::strerror(errno);
  ASSERT_EQ(::stat(at("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
  EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);

  struct statvfs sv {};
  ASSERT_EQ(::statvfs(mnt_.c_str(), &sv), 0);
  EXPECT_EQ(sv.f_bsize, 4096u);
  EXPECT_EQ(sv.f_namemax, 255u);
  EXPECT_EQ(sv.f_blocks, 1u << 20);
}

// ---- passthrough_ll.c ----------------------------------------------------------

class CompatPassthrough : public SourceMount {
 protected:
  std::string program() const override { return "passthrough_ll"; }
};

TEST_P(CompatPassthrough, CreateWriteReadShowInSource) {
  ASSERT_TRUE(write_file(at("f"), "through the mount"));
  EXPECT_EQ(read_file(in_src("f")), std::optional<std::string>("through the mount"));
  EXPECT_EQ(read_file(at("f")), std::optional<std::string>("through the mount"));

  ASSERT_TRUE(write_file(in_src("g"), "from the source"));
  EXPECT_EQ(read_file(at("g")), std::optional<std::string>("from the source"));

  // Large transfers go through fuse_reply_data (fd-backed) and write_buf.
  std::string big = pattern(2 * 1024 * 1024 + 77, 3);
  ASSERT_TRUE(write_file(at("big"), big));
  EXPECT_EQ(read_file(in_src("big")), std::optional<std::string>(big));
  EXPECT_EQ(read_file(at("big")), std::optional<std::string>(big));

  int fd = ::open(at("f").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::pwrite(fd, "THROUGH", 7, 0), 7);
  EXPECT_EQ(::fsync(fd), 0) << std::strerror(errno);
  EXPECT_EQ(::fdatasync(fd), 0) << std::strerror(errno);
  EXPECT_EQ(::ftruncate(fd, 7), 0) << std::strerror(errno);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(read_file(in_src("f")), std::optional<std::string>("THROUGH"));
}

TEST_P(CompatPassthrough, DirectoriesAndReaddir) {
  ASSERT_EQ(::mkdir(at("d").c_str(), 0750), 0) << std::strerror(errno);
  ASSERT_TRUE(write_file(at("d/one"), "1"));
  ASSERT_TRUE(write_file(in_src("d/two"), "2"));
  EXPECT_EQ(list_dir(at("d")), (std::vector<std::string>{".", "..", "one", "two"}));
  EXPECT_EQ(list_dir(in_src("d")), (std::vector<std::string>{".", "..", "one", "two"}));
  struct stat st {};
  ASSERT_EQ(::stat(in_src("d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);

  // Enough entries for several readdir(plus) rounds, each looked up and stat'ed.
  std::vector<std::string> expected{".", ".."};
  for (int i = 0; i < 200; ++i) {
    std::string name = "n" + std::to_string(i);
    ASSERT_TRUE(write_file(in_src(name), name));
    expected.push_back(name);
  }
  expected.push_back("d");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(list_dir(mnt_), expected);
  for (int i = 0; i < 200; i += 37) {
    std::string name = "n" + std::to_string(i);
    ASSERT_EQ(::stat(at(name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_size, static_cast<off_t>(name.size()));
  }

  errno = 0;
  EXPECT_EQ(::rmdir(at("d").c_str()), -1);
  EXPECT_EQ(errno, ENOTEMPTY);
  ASSERT_EQ(::unlink(at("d/one").c_str()), 0);
  ASSERT_EQ(::unlink(at("d/two").c_str()), 0);
  ASSERT_EQ(::rmdir(at("d").c_str()), 0);
  EXPECT_NE(::access(in_src("d").c_str(), F_OK), 0);
}

TEST_P(CompatPassthrough, SymlinksAndHardLinks) {
  ASSERT_TRUE(write_file(at("target"), "pointed at"));
  ASSERT_EQ(::symlink("target", at("link").c_str()), 0) << std::strerror(errno);
  struct stat st {};
  ASSERT_EQ(::lstat(at("link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  char buf[64] = {};
  EXPECT_EQ(::readlink(at("link").c_str(), buf, sizeof buf), 6);
  EXPECT_EQ(std::string(buf, 6), "target");
  EXPECT_EQ(read_file(at("link")), std::optional<std::string>("pointed at"));
  ASSERT_EQ(::lstat(in_src("link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));

  ASSERT_EQ(::link(at("target").c_str(), at("hard").c_str()), 0) << std::strerror(errno);
  ASSERT_EQ(::stat(at("hard").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  struct stat src_st {};
  ASSERT_EQ(::stat(in_src("target").c_str(), &src_st), 0);
  EXPECT_EQ(src_st.st_nlink, 2u);
  EXPECT_EQ(st.st_ino, src_st.st_ino);
}

TEST_P(CompatPassthrough, Xattrs) {
  ASSERT_TRUE(write_file(at("x"), "x"));
  if (::setxattr(in_src("x").c_str(), "user.probe", "1", 1, 0) != 0 && errno == ENOTSUP)
    GTEST_SKIP() << "the source file system has no user xattrs";
  ASSERT_EQ(::removexattr(in_src("x").c_str(), "user.probe"), 0);

  ASSERT_EQ(::setxattr(at("x").c_str(), "user.colour", "blue", 4, XATTR_CREATE), 0) << std::strerror(errno);
  char buf[64] = {};
  EXPECT_EQ(::getxattr(at("x").c_str(), "user.colour", nullptr, 0), 4);  // size probe
  EXPECT_EQ(::getxattr(at("x").c_str(), "user.colour", buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "blue");
  errno = 0;
  EXPECT_EQ(::getxattr(at("x").c_str(), "user.colour", buf, 2), -1);
  EXPECT_EQ(errno, ERANGE);
  errno = 0;
  EXPECT_EQ(::setxattr(at("x").c_str(), "user.colour", "red", 3, XATTR_CREATE), -1);
  EXPECT_EQ(errno, EEXIST);

  // The value lives on the source file.
  std::memset(buf, 0, sizeof buf);
  EXPECT_EQ(::getxattr(in_src("x").c_str(), "user.colour", buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "blue");

  ssize_t len = ::listxattr(at("x").c_str(), nullptr, 0);
  ASSERT_GT(len, 0);
  std::string names(static_cast<std::size_t>(len), '\0');
  ASSERT_EQ(::listxattr(at("x").c_str(), names.data(), names.size()), len);
  EXPECT_NE(names.find(std::string("user.colour\0", 12)), std::string::npos);

  ASSERT_EQ(::removexattr(at("x").c_str(), "user.colour"), 0) << std::strerror(errno);
  errno = 0;
  EXPECT_EQ(::getxattr(at("x").c_str(), "user.colour", buf, sizeof buf), -1);
  EXPECT_EQ(errno, ENODATA);
}

TEST_P(CompatPassthrough, RenameAndUnlinkReachTheSource) {
  ASSERT_TRUE(write_file(at("old"), "moving"));
  ASSERT_EQ(::rename(at("old").c_str(), at("new").c_str()), 0) << std::strerror(errno);
  EXPECT_NE(::access(in_src("old").c_str(), F_OK), 0);
  EXPECT_EQ(read_file(in_src("new")), std::optional<std::string>("moving"));
  ASSERT_EQ(::mkdir(at("sub").c_str(), 0755), 0);
  ASSERT_EQ(::rename(at("new").c_str(), at("sub/newer").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(in_src("sub/newer")), std::optional<std::string>("moving"));
  ASSERT_TRUE(write_file(at("other"), "o"));
  errno = 0;
  EXPECT_EQ(::renameat2(AT_FDCWD, at("other").c_str(), AT_FDCWD, at("sub/newer").c_str(), RENAME_NOREPLACE),
            -1);
  EXPECT_EQ(errno, EEXIST);
  ASSERT_EQ(::unlink(at("other").c_str()), 0);
  EXPECT_NE(::access(in_src("other").c_str(), F_OK), 0);
  EXPECT_EQ(list_dir(in_src("")), (std::vector<std::string>{".", "..", "sub"}));
}

TEST_P(CompatPassthrough, AttributesFallocateStatfsFlock) {
  ASSERT_TRUE(write_file(at("f"), "attr"));
  ASSERT_EQ(::chmod(at("f").c_str(), 0604), 0) << std::strerror(errno);
  struct stat st {};
  ASSERT_EQ(::stat(in_src("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  struct timespec times[2] = {{1100000000, 0}, {1300000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, at("f").c_str(), times, 0), 0) << std::strerror(errno);
  ASSERT_EQ(::stat(in_src("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1300000000);
  ASSERT_EQ(::truncate(at("f").c_str(), 2), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(in_src("f")), std::optional<std::string>("at"));

  int fd = ::open(at("f").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::fallocate(fd, 0, 0, 65536), 0) << std::strerror(errno);
  ASSERT_EQ(::stat(in_src("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 65536);

  // flock through the mount holds the lock on the source file itself.
  ASSERT_EQ(::flock(fd, LOCK_EX), 0) << std::strerror(errno);
  int other = ::open(in_src("f").c_str(), O_RDONLY);
  ASSERT_GE(other, 0);
  errno = 0;
  EXPECT_EQ(::flock(other, LOCK_EX | LOCK_NB), -1);
  EXPECT_EQ(errno, EWOULDBLOCK);
  ASSERT_EQ(::flock(fd, LOCK_UN), 0);
  EXPECT_EQ(::flock(other, LOCK_EX | LOCK_NB), 0) << std::strerror(errno);
  ::close(other);
  ::close(fd);

  struct statvfs mine {}, theirs {};
  ASSERT_EQ(::statvfs(mnt_.c_str(), &mine), 0);
  ASSERT_EQ(::statvfs(src_.c_str(), &theirs), 0);
  EXPECT_EQ(mine.f_blocks, theirs.f_blocks);
  EXPECT_EQ(mine.f_namemax, theirs.f_namemax);
}

// ---- designated_init.cpp -------------------------------------------------------

TEST_P(CompatMount, DesignatedInitReadsTheFile) {
  ASSERT_NO_FATAL_FAILURE(start("designated_init"));
  EXPECT_EQ(read_file(at("greeting")), std::optional<std::string>("designated initializers, in order\n"));
  EXPECT_EQ(list_dir(mnt_), (std::vector<std::string>{".", "..", "greeting"}));
  errno = 0;
  EXPECT_EQ(::open(at("greeting").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EACCES);
}

// The caller-driven paths: a hand-written receive/process loop, and custom I/O on a
// /dev/fuse fd the program mounted itself (hello_ll's HELLO_LOOP hooks).
class CompatLoops : public CompatMount {
 protected:
  void start_with_loop(const std::string& loop) {
    ::setenv("HELLO_LOOP", loop.c_str(), 1);
    start("hello_ll");
    ::unsetenv("HELLO_LOOP");
  }
};

TEST_P(CompatLoops, ManualReceiveProcessLoop) {
  ASSERT_NO_FATAL_FAILURE(start_with_loop("manual"));
  EXPECT_EQ(read_file(at("hello")).value_or(""), "Hello World!\n");
  struct stat st {};
  EXPECT_EQ(::stat(at("hello").c_str(), &st), 0);
  EXPECT_EQ(::stat(at("nope").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST_P(CompatLoops, CustomIoCarriesTheRequests) {
  ASSERT_NO_FATAL_FAILURE(start_with_loop("custom_io"));
  EXPECT_EQ(read_file(at("hello")).value_or(""), "Hello World!\n");
  daemon_->signal(SIGTERM);
  ASSERT_TRUE(daemon_->wait(10s).has_value());
  std::string log = daemon_->output();
  unsigned long reads = 0, writes = 0;
  auto at_line = log.find("custom io: ");
  ASSERT_NE(at_line, std::string::npos) << log;
  ASSERT_EQ(std::sscanf(log.c_str() + at_line, "custom io: %lu reads, %lu writes", &reads, &writes), 2);
  EXPECT_GE(reads, 4u);   // INIT, LOOKUP, OPEN, READ at least
  EXPECT_GE(writes, 4u);  // and their replies
  force_unmount(mnt_);
  daemon_.reset();
}

INSTANTIATE_TEST_SUITE_P(Loops, CompatLoops, ::testing::Values(Transport{"dev", {}, false}), transport_name);

INSTANTIATE_TEST_SUITE_P(Transports, CompatMount, ::testing::ValuesIn(kTransports), transport_name);
INSTANTIATE_TEST_SUITE_P(Transports, CompatPassthrough, ::testing::ValuesIn(kTransports), transport_name);

}  // namespace
}  // namespace uringfuse::test
