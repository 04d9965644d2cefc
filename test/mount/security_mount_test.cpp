// The passthrough's safety claims (doc/security.md) on real mounts, over every
// transport, with the daemon running as root: symlinks in the source are never
// followed by the daemon, even when swapped in under a request; mount points inside
// the source are not crossed; and who may use the mount without allow_other, with
// allow_other alone, and with allow_root.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "../support/fs_target.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

class SecurityMount : public PassthroughMount<::testing::TestWithParam<Transport>> {
 protected:
  void SetUp() override {
    PassthroughMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // mkdtemp made it 0700; other users must be refused by FUSE, not by this.
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(outside_.c_str(), 0755), 0);
    ASSERT_TRUE(write_file(target_, "sentinel"));
  }
  void TearDown() override {
    PassthroughMount::TearDown();
    if (inner_mounted_) ::umount2(inner_.c_str(), MNT_DETACH);
  }
  void start(std::vector<std::string> args) {
    args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
    start_passthrough(std::move(args));
  }
  std::string path(const std::string& rel) const { return mnt_ + "/" + rel; }
  // Nothing but the sentinel outside the source, and the sentinel untouched.
  void expect_outside_untouched() {
    EXPECT_EQ(list_dir(outside_).value_or(std::vector<std::string>{"?"}), std::vector<std::string>{"target"});
    EXPECT_EQ(read_file(target_).value_or("?"), "sentinel");
    struct stat st {};
    ASSERT_EQ(::stat(target_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_nlink, 1u);
  }
  ChildResult as_nobody(const std::function<const char*()>& fn) {
    return run_in_child(fn, kNobody, kNogroup, 10s);
  }

  const std::string outside_ = dir_.sub("outside"), target_ = dir_.sub("outside/target");
  const std::string inner_ = dir_.sub("src/inner");
  bool inner_mounted_ = false;
};

// The caller's own resolution never follows a symlink either, so anything that lands
// outside the source was done by the daemon.
int open_beneath(int dirfd, const char* name, int flags, mode_t mode = 0) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, name, &how, sizeof how));
}

// ---- symlinks are the daemon's objects, never its paths ----

TEST_P(SecurityMount, OperationsOnASymlinkChangeTheLinkNotItsTarget) {
  ASSERT_EQ(::symlink(target_.c_str(), (src_ + "/link").c_str()), 0);
  start({});
  char buf[4096];
  ssize_t n = ::readlink(path("link").c_str(), buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), target_);  // the stored text

  ASSERT_SYS(::lchown(path("link").c_str(), kNobody, kNogroup));
  const timespec times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_SYS(::utimensat(AT_FDCWD, path("link").c_str(), times, AT_SYMLINK_NOFOLLOW));
  ASSERT_SYS(::lsetxattr(path("link").c_str(), "trusted.uringfuse_probe", "x", 1, 0));
  ASSERT_SYS(::linkat(AT_FDCWD, path("link").c_str(), AT_FDCWD, path("hard").c_str(), 0));

  // Each landed on the link in the source ...
  struct stat st {};
  ASSERT_EQ(::lstat((src_ + "/link").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kNobody);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(::lgetxattr((src_ + "/link").c_str(), "trusted.uringfuse_probe", buf, sizeof buf), 1);
  ASSERT_EQ(::lstat((src_ + "/hard").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the hard link is to the target, outside the source";
  // ... and none reached the file outside.
  expect_outside_untouched();
  ASSERT_EQ(::stat(target_.c_str(), &st), 0);
  EXPECT_NE(st.st_mtim.tv_sec, 2000);
  EXPECT_ERRNO(::getxattr(target_.c_str(), "trusted.uringfuse_probe", buf, sizeof buf), ENODATA);
}

// A symlink to a file outside appears and disappears under the name the caller
// creates. The kernel finds the name free and sends CREATE; by then the symlink may
// be there. The daemon creates with O_NOFOLLOW, so it must never open the target.
TEST_P(SecurityMount, CreateNeverFollowsASymlinkThatAppearsUnderTheName) {
  start({});
  Fd src(::open(src_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  Fd mnt(::open(mnt_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(src.ok() && mnt.ok());
  std::atomic<bool> stop{false};
  std::thread racer([&] {
    while (!stop.load()) {
      ::symlinkat(target_.c_str(), src, "f");
      ::unlinkat(src, "f", 0);
    }
  });
  int iterations = 0, created = 0;
  for (auto end = std::chrono::steady_clock::now() + 1500ms; std::chrono::steady_clock::now() < end;
       ++iterations) {
    int fd = open_beneath(mnt, "f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) continue;  // ELOOP (a symlink was there) or ENOENT (it went meanwhile)
    ++created;
    EXPECT_EQ(::write(fd, "caller", 6), 6);
    ::close(fd);
  }
  stop.store(true);
  racer.join();
  std::cout << iterations << " creates, " << created << " succeeded\n";
  EXPECT_GT(iterations, 100);
  // How many creates win the race is up to the scheduler (none, on some runs); that
  // creating works at all is checked once the name is free for sure.
  ::unlinkat(src, "f", 0);
  int fd = open_beneath(mnt, "f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_EQ(::write(fd, "caller", 6), 6);
  ::close(fd);
  struct stat st {};
  ASSERT_EQ(::fstatat(src, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  expect_outside_untouched();
  EXPECT_FALSE(daemon_->wait(0ms).has_value()) << daemon_->output();
}

// Behind the daemon's back, a directory the caller works in keeps trading names with a
// symlink to a directory outside. Work done in it through the mount must stay in the
// source: the daemon holds the directory itself, never a path to it.
TEST_P(SecurityMount, DirectorySwappedForASymlinkNeverLeadsOutside) {
  ASSERT_EQ(::mkdir((src_ + "/d").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(outside_.c_str(), (src_ + "/l").c_str()), 0);
  start({});
  Fd src(::open(src_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  Fd mnt(::open(mnt_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(src.ok() && mnt.ok());
  std::atomic<bool> stop{false};
  std::thread racer([&] {
    while (!stop.load()) ::renameat2(src, "d", src, "l", RENAME_EXCHANGE);
  });
  int rounds = 0, done = 0;
  for (auto end = std::chrono::steady_clock::now() + 1500ms; std::chrono::steady_clock::now() < end;
       ++rounds) {
    Fd dir(open_beneath(mnt, "d", O_PATH | O_DIRECTORY));
    if (!dir.ok()) continue;  // "d" was the symlink just then
    const std::string f = "f" + std::to_string(rounds), s = "s" + std::to_string(rounds);
    int fd = open_beneath(dir, f.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) ::close(fd);
    bool ok = fd >= 0 && ::unlinkat(dir, f.c_str(), 0) == 0;
    ok = ::mkdirat(dir, s.c_str(), 0755) == 0 && ::unlinkat(dir, s.c_str(), AT_REMOVEDIR) == 0 && ok;
    done += ok;
  }
  stop.store(true);
  racer.join();
  std::cout << rounds << " rounds, " << done << " completed\n";
  EXPECT_GT(done, 50);
  expect_outside_untouched();
  EXPECT_FALSE(daemon_->wait(0ms).has_value()) << daemon_->output();
}

// ---- mount points inside the source ----

TEST_P(SecurityMount, MountPointInsideTheSourceIsNotCrossed) {
  ASSERT_EQ(::mkdir(inner_.c_str(), 0755), 0);
  ASSERT_EQ(::mount("tmpfs", inner_.c_str(), "tmpfs", 0, "size=1m,mode=755"), 0) << std::strerror(errno);
  inner_mounted_ = true;
  ASSERT_TRUE(write_file(inner_ + "/hidden", "other filesystem"));
  start({});
  struct stat st {};
  EXPECT_ERRNO(::stat(path("inner").c_str(), &st), ENOTSUP);
  EXPECT_ERRNO(::open(path("inner/hidden").c_str(), O_RDONLY | O_CLOEXEC), ENOTSUP);
  EXPECT_NE(daemon_->output().find("mount point inside the source"), std::string::npos) << daemon_->output();
}

// ---- who may use the mount ----

TEST_P(SecurityMount, WithoutAllowOtherOtherUsersAreRefused) {
  start({});
  ASSERT_TRUE(write_file(path("pub"), "public", 0644));
  const std::string top = dir_.path(), root = mnt_, pub = path("pub");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    struct stat st {};
    if (::stat(top.c_str(), &st) != 0) return "cannot even reach the mountpoint's directory";
    if (::stat(root.c_str(), &st) == 0) return "stat of the mount root succeeded";
    if (errno != EACCES) return "stat of the mount root: not EACCES";
    if (::open(pub.c_str(), O_RDONLY | O_CLOEXEC) >= 0) return "opened a world-readable file";
    if (errno != EACCES) return "open: not EACCES";
    return nullptr;
  })));
  EXPECT_EQ(read_file(pub).value_or("?"), "public");  // the owner (root) is served
}

// allow_other alone: the kernel checks nothing, so the daemon's switch to the caller's
// identity is all that stands between a user and root's files.
TEST_P(SecurityMount, AllowOtherWithoutDefaultPermissionsActsAsTheCaller) {
  start({"-o", "allow_other"});
  ASSERT_TRUE(write_file(path("secret"), "root only", 0600));
  ASSERT_TRUE(write_file(path("ro"), "readable", 0644));
  ASSERT_SYS(::mkdir(path("rootdir").c_str(), 0755));
  const std::string secret = path("secret"), ro = path("ro"), created = path("rootdir/new"),
                    sub = path("rootdir/sub");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::open(secret.c_str(), O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return "read root's 0600 file";
    if (::open(ro.c_str(), O_WRONLY | O_CLOEXEC) >= 0 || errno != EACCES) return "opened root's 0644 for writing";
    if (::open(created.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) >= 0 || errno != EACCES)
      return "created in root's 0755 directory";
    if (::mkdir(sub.c_str(), 0755) == 0 || errno != EACCES) return "mkdir in root's 0755 directory";
    if (::chown(ro.c_str(), kNobody, kNogroup) == 0 || errno != EPERM) return "took root's file";
    if (::chmod(ro.c_str(), 0666) == 0 || errno != EPERM) return "chmod of root's file";
    const timespec times[2] = {{1, 0}, {1, 0}};
    if (::utimensat(AT_FDCWD, ro.c_str(), times, 0) == 0 || errno != EPERM) return "set root's file times";
    int fd = ::open(ro.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "could not read a world-readable file";
    ::close(fd);
    return nullptr;
  })));
  struct stat st {};
  ASSERT_SYS(::stat(ro.c_str(), &st));
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

// allow_other without default_permissions: the daemon looks names up as the caller,
// so a directory's search permission protects what is below it, as on a local
// filesystem (opens go through /proc/self/fd, which checks only the file's mode).
TEST_P(SecurityMount, AllowOtherWithoutDefaultPermissionsKeepsSearchPermission) {
  start({"-o", "allow_other"});
  ASSERT_SYS(::mkdir(path("closed").c_str(), 0700));
  ASSERT_TRUE(write_file(path("closed/f"), "behind a closed door", 0644));
  const std::string dir = path("closed"), f = path("closed/f");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    if (::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) >= 0) return "listed a 0700 directory";
    struct stat st {};
    if (::stat(f.c_str(), &st) == 0 || errno != EACCES) return "stat below a 0700 directory not refused";
    if (::open(f.c_str(), O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES)
      return "open below a 0700 directory not refused";
    return nullptr;
  })));
  EXPECT_EQ(read_file(f).value_or(""), "behind a closed door");  // root still may
}

TEST_P(SecurityMount, AllowRootAdmitsOnlyTheOwnerAndRoot) {
  start({"-o", "allow_root"});
  ASSERT_TRUE(write_file(path("pub"), "public", 0644));
  const std::string root = mnt_, pub = path("pub");
  EXPECT_TRUE(ChildOk(as_nobody([&]() -> const char* {
    struct stat st {};
    if (::stat(root.c_str(), &st) == 0 || errno != EACCES) return "stat of the mount root not refused";
    if (::open(pub.c_str(), O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return "open not refused";
    return nullptr;
  })));
  EXPECT_EQ(read_file(pub).value_or("?"), "public");
}

INSTANTIATE_TEST_SUITE_P(Transports, SecurityMount, ::testing::ValuesIn(all_transports()), transport_name);

}  // namespace
}  // namespace uringfuse::test
