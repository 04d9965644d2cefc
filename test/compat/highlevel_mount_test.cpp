// libfuse's high-level API (<fuse.h>, struct fuse_operations, fuse_main): hello_hl.c
// and passthrough_hl.c, built through pkg-config like an outside project, mounted
// for real over every transport. What a path filesystem relies on: the node table
// (paths that follow renames), hidden files for open-unlinked names, readdir in
// both styles, fuse_main's command line and exit codes.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "compat_fixture.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

// Runs `prog args...` to its end; its exit status and output.
std::pair<std::optional<int>, std::string> run_to_end(const std::string& prog, const std::vector<std::string>& args,
                                                      const std::string& log) {
  Process p(compat_binary(prog), args, log);
  auto status = p.wait(10s);
  return {status, p.output()};
}

// Names in `dir` that start with ".fuse_hidden".
std::vector<std::string> hidden_names(const std::string& dir) {
  std::vector<std::string> hidden;
  for (const auto& name : list_dir(dir))
    if (name.rfind(".fuse_hidden", 0) == 0) hidden.push_back(name);
  return hidden;
}

// ---- fuse_main's command line, without mounting ------------------------------

TEST(HighLevelCommandLine, HelpListsLibfuseOptions) {
  const BuildResult& b = build_filesystems();
  ASSERT_TRUE(b.ok) << "build-with-pkgconfig.sh failed:\n" << b.output;
  TempDir dir;
  auto [status, out] = run_to_end("hello_hl", {"--help"}, dir.sub("help.log"));
  ASSERT_TRUE(status.has_value()) << "hello_hl --help hangs";
  EXPECT_EQ(*status, 0) << out;
  EXPECT_NE(out.find("usage: "), std::string::npos) << out;
  EXPECT_NE(out.find("FUSE options:"), std::string::npos) << out;
  // fuse_lib_help's options, as libfuse lists them.
  for (const char* option : {"-o kernel_cache", "-o hard_remove", "-o use_ino", "-o entry_timeout=T"})
    EXPECT_NE(out.find(option), std::string::npos) << option << " missing from:\n" << out;
}

TEST(HighLevelCommandLine, VersionAndExitCodes) {
  const BuildResult& b = build_filesystems();
  ASSERT_TRUE(b.ok) << "build-with-pkgconfig.sh failed:\n" << b.output;
  TempDir dir;
  auto [status, out] = run_to_end("hello_hl", {"--version"}, dir.sub("version.log"));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << out;
  EXPECT_NE(out.find("FUSE library version"), std::string::npos) << out;

  // libfuse's fuse_main_real: 1 when the command line does not parse (a mountpoint
  // that is not there among them), 2 without a mountpoint, 3 when fuse_new fails.
  std::tie(status, out) = run_to_end("hello_hl", {"-f"}, dir.sub("nomnt.log"));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 2) << out;
  EXPECT_NE(out.find("no mountpoint specified"), std::string::npos) << out;

  ASSERT_EQ(::mkdir(dir.sub("m").c_str(), 0755), 0);
  std::tie(status, out) = run_to_end("hello_hl", {"-f", "-o", "no_such_option", dir.sub("m")}, dir.sub("bad.log"));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 3) << out;
  EXPECT_NE(out.find("unknown option(s): `-o no_such_option'"), std::string::npos) << out;
  EXPECT_FALSE(find_mount(dir.sub("m")).has_value());

  std::tie(status, out) = run_to_end("hello_hl", {"-f", dir.sub("missing")}, dir.sub("missing.log"));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 1) << out;
  EXPECT_NE(out.find("fuse: bad mount point `" + dir.sub("missing") + "': No such file or directory"),
            std::string::npos)
      << out;
}

// ---- hello_hl.c ------------------------------------------------------------------

using HighLevelHello = CompatMount;

TEST_P(HighLevelHello, ReadsStatsAndLists) {
  ASSERT_NO_FATAL_FAILURE(start("hello_hl"));
  EXPECT_EQ(read_file(at("hello")), std::optional<std::string>("Hello World!\n"));
  int fd = ::open(at("hello").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  char buf[16] = {};
  EXPECT_EQ(::pread(fd, buf, 6, 6), 6);
  EXPECT_EQ(std::string(buf, 6), "World!");
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 100), 0);
  ::close(fd);

  struct stat st {};
  ASSERT_EQ(::stat(at("hello").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_size, 13);
  ASSERT_EQ(::stat(mnt_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_ino, 1u);  // without use_ino the root is node 1, as in libfuse
  errno = 0;
  EXPECT_EQ(::stat(at("missing").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(list_dir(mnt_), (std::vector<std::string>{".", "..", "hello"}));

  auto m = find_mount(mnt_);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->fstype, "fuse.hello_hl");
}

TEST_P(HighLevelHello, RefusesWritesAndMissingOperations) {
  ASSERT_NO_FATAL_FAILURE(start("hello_hl"));
  errno = 0;
  EXPECT_EQ(::open(at("hello").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EACCES);
  // No create, mknod, mkdir or unlink in hello's fuse_operations: ENOSYS, as libfuse.
  errno = 0;
  EXPECT_EQ(::open(at("new").c_str(), O_WRONLY | O_CREAT, 0644), -1);
  EXPECT_EQ(errno, ENOSYS);
  errno = 0;
  EXPECT_EQ(::mkdir(at("dir").c_str(), 0755), -1);
  EXPECT_EQ(errno, ENOSYS);
  errno = 0;
  EXPECT_EQ(::unlink(at("hello").c_str()), -1);
  EXPECT_EQ(errno, ENOSYS);
}

TEST_P(HighLevelHello, OwnOptionsReachTheFilesystem) {
  // -o text= is hello_hl's own option (fuse_opt_parse before fuse_main); -o uid=
  // and -o umask= are fuse_new's, applied to every attribute the filesystem gives.
  ASSERT_NO_FATAL_FAILURE(start("hello_hl", {"-o", "text=other words\n", "-o", "uid=4321", "-o", "umask=0077"}));
  EXPECT_EQ(read_file(at("hello")), std::optional<std::string>("other words\n"));
  struct stat st {};
  ASSERT_EQ(::stat(at("hello").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 12);
  EXPECT_EQ(st.st_uid, 4321u);
  // libfuse replaces the permission bits (0777 & ~umask), it does not mask them.
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat(mnt_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u) << "a directory gets the umask too";
  EXPECT_EQ(st.st_uid, 4321u);
}

// -d reaches the session too, as in libfuse: the requests are traced in libfuse's
// format while fuse_new() sees it as its own debug option.
TEST_P(HighLevelHello, DebugTracesTheRequests) {
  ASSERT_NO_FATAL_FAILURE(start("hello_hl", {"-d"}));
  EXPECT_EQ(read_file(at("hello")), std::optional<std::string>("Hello World!\n"));
  const std::string log = daemon_->output();
  EXPECT_NE(log.find("opcode: LOOKUP"), std::string::npos) << log;
  EXPECT_NE(log.find("opcode: READ"), std::string::npos) << log;
}

// ---- passthrough_hl.c ------------------------------------------------------------

class HighLevelPassthrough : public SourceMount {
 protected:
  std::string program() const override { return "passthrough_hl"; }
};

TEST_P(HighLevelPassthrough, CreateWriteReadEveryByte) {
  ASSERT_TRUE(write_file(at("f"), "through the mount"));
  EXPECT_EQ(read_file(in_src("f")), std::optional<std::string>("through the mount"));
  ASSERT_TRUE(write_file(in_src("g"), "from the source"));
  EXPECT_EQ(read_file(at("g")), std::optional<std::string>("from the source"));

  std::string big = pattern(5 * 1024 * 1024 + 777, 3);
  ASSERT_TRUE(write_file(at("big"), big));
  EXPECT_EQ(read_file(in_src("big")), std::optional<std::string>(big));
  EXPECT_EQ(read_file(at("big")), std::optional<std::string>(big));

  int fd = ::open(at("big").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::pwrite(fd, "PATCH", 5, 4096 * 3 + 1), 5);
  char buf[8] = {};
  EXPECT_EQ(::pread(fd, buf, 5, 4096 * 3 + 1), 5);
  EXPECT_EQ(std::string(buf, 5), "PATCH");
  ::close(fd);
  big.replace(4096 * 3 + 1, 5, "PATCH");
  EXPECT_EQ(read_file(in_src("big")), std::optional<std::string>(big));

  // use_ino: the source's inode numbers, in stat and in readdir.
  struct stat mine {}, theirs {};
  ASSERT_EQ(::stat(at("f").c_str(), &mine), 0);
  ASSERT_EQ(::stat(in_src("f").c_str(), &theirs), 0);
  EXPECT_EQ(mine.st_ino, theirs.st_ino);
  DIR* d = ::opendir(mnt_.c_str());
  ASSERT_NE(d, nullptr);
  bool seen = false;
  while (struct dirent* e = ::readdir(d))
    if (std::strcmp(e->d_name, "f") == 0) {
      seen = true;
      EXPECT_EQ(e->d_ino, theirs.st_ino);
    }
  ::closedir(d);
  EXPECT_TRUE(seen);
}

TEST_P(HighLevelPassthrough, ReaddirByOffsetAcrossManyRounds) {
  // passthrough_hl gives each name its telldir() offset, so the library asks at
  // each offset; 600 long names take many READDIR(PLUS) rounds.
  std::vector<std::string> expected{".", ".."};
  for (int i = 0; i < 600; ++i) {
    std::string name = "entry-with-a-rather-long-name-" + std::to_string(i);
    ASSERT_TRUE(write_file(in_src(name), std::to_string(i)));
    expected.push_back(name);
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(list_dir(mnt_), expected);
  // And again, after renames and removals the listing follows.
  ASSERT_EQ(::rename(at("entry-with-a-rather-long-name-7").c_str(), at("renamed").c_str()), 0);
  ASSERT_EQ(::unlink(at("entry-with-a-rather-long-name-8").c_str()), 0);
  expected.erase(std::find(expected.begin(), expected.end(), "entry-with-a-rather-long-name-7"));
  expected.erase(std::find(expected.begin(), expected.end(), "entry-with-a-rather-long-name-8"));
  expected.push_back("renamed");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(list_dir(mnt_), expected);
  for (int i : {0, 9, 599}) {
    std::string name = "entry-with-a-rather-long-name-" + std::to_string(i);
    EXPECT_EQ(read_file(at(name)), std::optional<std::string>(std::to_string(i))) << name;
  }
}

TEST_P(HighLevelPassthrough, PathsFollowRenamedDirectories) {
  ASSERT_EQ(::mkdir(at("a").c_str(), 0755), 0) << std::strerror(errno);
  ASSERT_EQ(::mkdir(at("a/b").c_str(), 0755), 0);
  ASSERT_TRUE(write_file(at("a/b/f"), "deep"));
  // An fd opened before the rename keeps working, and the names the kernel knows
  // (node ids) now stand for the new paths.
  int fd = ::open(at("a/b/f").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::rename(at("a").c_str(), at("z").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(::pwrite(fd, "DEEP", 4, 0), 4);
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  ::close(fd);
  EXPECT_EQ(read_file(in_src("z/b/f")), std::optional<std::string>("DEEP"));
  EXPECT_EQ(read_file(at("z/b/f")), std::optional<std::string>("DEEP"));
  errno = 0;
  EXPECT_EQ(::stat(at("a/b/f").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);

  // Over an existing name, RENAME_NOREPLACE, RENAME_EXCHANGE.
  ASSERT_TRUE(write_file(at("x"), "x"));
  ASSERT_TRUE(write_file(at("y"), "y"));
  ASSERT_EQ(::rename(at("x").c_str(), at("y").c_str()), 0);
  EXPECT_EQ(read_file(at("y")), std::optional<std::string>("x"));
  ASSERT_TRUE(write_file(at("x"), "new x"));
  errno = 0;
  EXPECT_EQ(::renameat2(AT_FDCWD, at("x").c_str(), AT_FDCWD, at("y").c_str(), RENAME_NOREPLACE), -1);
  EXPECT_EQ(errno, EEXIST);
  ASSERT_EQ(::renameat2(AT_FDCWD, at("x").c_str(), AT_FDCWD, at("z/b/f").c_str(), RENAME_EXCHANGE), 0)
      << std::strerror(errno);
  EXPECT_EQ(read_file(at("x")), std::optional<std::string>("DEEP"));
  EXPECT_EQ(read_file(at("z/b/f")), std::optional<std::string>("new x"));
  EXPECT_EQ(read_file(in_src("z/b/f")), std::optional<std::string>("new x"));
}

TEST_P(HighLevelPassthrough, UnlinkedOpenFileIsHiddenUntilClosed) {
  ASSERT_TRUE(write_file(at("open"), "still here"));
  int fd = ::open(at("open").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::unlink(at("open").c_str()), 0) << std::strerror(errno);
  struct stat st {};
  errno = 0;
  EXPECT_EQ(::stat(at("open").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  // hard_remove is off: the filesystem renamed it to .fuse_hidden*, as libfuse does,
  // so the open file still has a path for read, write and fstat.
  auto hidden = hidden_names(src_);
  ASSERT_EQ(hidden.size(), 1u) << "source holds no hidden file";
  char buf[16] = {};
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), 10);
  EXPECT_EQ(std::string(buf, 10), "still here");
  EXPECT_EQ(::pwrite(fd, "STILL", 5, 0), 5);
  EXPECT_EQ(read_file(in_src(hidden[0])), std::optional<std::string>("STILL here"));
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 10);
  ASSERT_EQ(::close(fd), 0);
  // The last release removes it; RELEASE is sent after close() returns.
  for (int i = 0; i < 200 && !hidden_names(src_).empty(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(hidden_names(src_).empty()) << "the hidden file outlived its last close";

  // A rename over an open file hides the replaced one too.
  ASSERT_TRUE(write_file(at("target"), "old target"));
  ASSERT_TRUE(write_file(at("source"), "new target"));
  fd = ::open(at("target").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::rename(at("source").c_str(), at("target").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(at("target")), std::optional<std::string>("new target"));
  std::memset(buf, 0, sizeof buf);
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), 10);
  EXPECT_EQ(std::string(buf, 10), "old target");
  EXPECT_EQ(hidden_names(src_).size(), 1u);
  ::close(fd);
  for (int i = 0; i < 200 && !hidden_names(src_).empty(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(hidden_names(src_).empty());
}

TEST_P(HighLevelPassthrough, SymlinksLinksAndAttributes) {
  ASSERT_TRUE(write_file(at("f"), "0123456789"));
  ASSERT_EQ(::symlink("f", at("sl").c_str()), 0) << std::strerror(errno);
  char target[64] = {};
  EXPECT_EQ(::readlink(at("sl").c_str(), target, sizeof target), 1);
  EXPECT_STREQ(target, "f");
  EXPECT_EQ(read_file(at("sl")), std::optional<std::string>("0123456789"));
  ASSERT_EQ(::link(at("f").c_str(), at("hard").c_str()), 0) << std::strerror(errno);
  struct stat a {}, b {};
  ASSERT_EQ(::stat(at("f").c_str(), &a), 0);
  ASSERT_EQ(::stat(at("hard").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_nlink, 2u);

  ASSERT_EQ(::truncate(at("f").c_str(), 4), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(at("hard")), std::optional<std::string>("0123"));
  ASSERT_EQ(::chmod(at("f").c_str(), 0600), 0);
  struct timespec times[2] = {{1000000000, 5}, {1200000000, 7}};
  ASSERT_EQ(::utimensat(AT_FDCWD, at("f").c_str(), times, 0), 0) << std::strerror(errno);
  ASSERT_EQ(::stat(in_src("f").c_str(), &a), 0);
  EXPECT_EQ(a.st_mode & 07777, 0600u);
  EXPECT_EQ(a.st_mtim.tv_sec, 1200000000);
  EXPECT_EQ(a.st_size, 4);
  int fd = ::open(at("f").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::ftruncate(fd, 2), 0);
  EXPECT_EQ(::fallocate(fd, 0, 0, 8192), 0) << std::strerror(errno);
  ASSERT_EQ(::fstat(fd, &a), 0);
  EXPECT_EQ(a.st_size, 8192);
  ::close(fd);

  ASSERT_EQ(::setxattr(at("f").c_str(), "user.colour", "blue", 4, XATTR_CREATE), 0) << std::strerror(errno);
  char buf[16] = {};
  EXPECT_EQ(::getxattr(in_src("f").c_str(), "user.colour", buf, sizeof buf), 4);
  EXPECT_EQ(::getxattr(at("f").c_str(), "user.colour", nullptr, 0), 4);
  errno = 0;
  EXPECT_EQ(::getxattr(at("f").c_str(), "user.colour", buf, 2), -1);
  EXPECT_EQ(errno, ERANGE);
  ASSERT_EQ(::removexattr(at("f").c_str(), "user.colour"), 0);
  errno = 0;
  EXPECT_EQ(::getxattr(at("f").c_str(), "user.colour", buf, sizeof buf), -1);
  EXPECT_EQ(errno, ENODATA);
}

TEST_P(HighLevelPassthrough, FlockReachesTheFilesystem) {
  ASSERT_TRUE(write_file(at("l"), "lock me"));
  int a = ::open(at("l").c_str(), O_RDWR);
  int b = ::open(at("l").c_str(), O_RDWR);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_EQ(::flock(a, LOCK_EX | LOCK_NB), 0) << std::strerror(errno);
  errno = 0;
  EXPECT_EQ(::flock(b, LOCK_EX | LOCK_NB), -1);
  EXPECT_EQ(errno, EWOULDBLOCK);
  // The lock is held on the source file: a process on the source sees it.
  int direct = ::open(in_src("l").c_str(), O_RDWR);
  ASSERT_GE(direct, 0);
  errno = 0;
  EXPECT_EQ(::flock(direct, LOCK_EX | LOCK_NB), -1);
  EXPECT_EQ(errno, EWOULDBLOCK);
  ::close(a);  // the release drops it
  for (int i = 0; i < 200 && ::flock(direct, LOCK_EX | LOCK_NB) != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(::flock(direct, LOCK_UN), 0);
  ::close(direct);
  ::close(b);
}

// Renames between directories race stats, reads and listings on the same names:
// the tree lock keeps every path a handler sees consistent, so no read ever sees
// another file's bytes, and at the end every file is where the last rename put it.
TEST_P(HighLevelPassthrough, ConcurrentRenamesStayConsistent) {
  constexpr int kFiles = 8;
  ASSERT_EQ(::mkdir(at("left").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(at("right").c_str(), 0755), 0);
  for (int i = 0; i < kFiles; ++i) ASSERT_TRUE(write_file(at("left/f" + std::to_string(i)), pattern(3000, i)));

  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0}, reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      while (!stop.load()) {
        for (int i = t; i < kFiles; i += 2) {
          for (const char* side : {"left/", "right/"}) {
            auto data = read_file(at(std::string(side) + "f" + std::to_string(i)));
            if (!data) continue;  // moved meanwhile
            reads.fetch_add(1);
            if (*data != pattern(3000, i)) wrong.fetch_add(1);
          }
        }
        list_dir(at("left"));
      }
    });
  }
  std::vector<bool> on_left(kFiles, true);
  for (int round = 0; round < 300; ++round) {
    const int i = round % kFiles;
    const std::string name = "f" + std::to_string(i);
    const std::string from = (on_left[i] ? "left/" : "right/") + name;
    const std::string to = (on_left[i] ? "right/" : "left/") + name;
    ASSERT_EQ(::rename(at(from).c_str(), at(to).c_str()), 0) << from << ": " << std::strerror(errno);
    on_left[i] = !on_left[i];
  }
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(reads.load(), 0);
  for (int i = 0; i < kFiles; ++i) {
    const std::string rel = (on_left[i] ? "left/f" : "right/f") + std::to_string(i);
    EXPECT_EQ(read_file(at(rel)), std::optional<std::string>(pattern(3000, i))) << rel;
    EXPECT_EQ(read_file(in_src(rel)), std::optional<std::string>(pattern(3000, i))) << rel;
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, HighLevelHello, ::testing::ValuesIn(kTransports), transport_name);
INSTANTIATE_TEST_SUITE_P(Transports, HighLevelPassthrough, ::testing::ValuesIn(kTransports), transport_name);

}  // namespace
}  // namespace uringfuse::test
