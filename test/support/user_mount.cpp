// Implementation of the unprivileged-daemon helpers: a private mount namespace with a
// usable /dev/fuse, privilege dropping, and a witness that keeps a namespace readable.
#include "user_mount.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

namespace uringfuse::test {

using namespace std::chrono_literals;

std::string fusermount3_missing() {
  struct stat st {};
  if (::stat("/usr/bin/fusermount3", &st) != 0) return "/usr/bin/fusermount3 missing (install fuse3)";
  if (st.st_uid != 0 || !(st.st_mode & S_ISUID))
    return "/usr/bin/fusermount3 is not setuid root, so users cannot mount";
  return {};
}

bool fuse_conf_allows_other() {
  std::ifstream in("/etc/fuse.conf");
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line.compare(first, 16, "user_allow_other") == 0) return true;
  }
  return false;
}

bool make_fuse_device_node(const std::string& path) {
  struct stat dev {};
  if (::stat("/dev/fuse", &dev) != 0 || !S_ISCHR(dev.st_mode)) return false;
  if (::mknod(path.c_str(), S_IFCHR | 0666, dev.st_rdev) != 0) return false;
  return ::chmod(path.c_str(), 0666) == 0;  // mknod's mode passed through our umask
}

bool enter_private_fuse_namespace(const char* device_node) {
  return ::unshare(CLONE_NEWNS) == 0 &&
         ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
         ::mount(device_node, "/dev/fuse", nullptr, MS_BIND, nullptr) == 0;
}

bool join_mount_namespace(const char* ns_path) {
  int fd = ::open(ns_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::setns(fd, CLONE_NEWNS) == 0;
  ::close(fd);
  return ok;
}

bool drop_privileges(uid_t uid, gid_t gid) {
  return ::setgroups(0, nullptr) == 0 && ::setresgid(gid, gid, gid) == 0 &&
         ::setresuid(uid, uid, uid) == 0;
}

NamespaceWitness::NamespaceWitness(pid_t member) {
  const std::string ns = "/proc/" + std::to_string(member) + "/ns/mnt";
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::close(p[1]);
    if (!join_mount_namespace(ns.c_str())) ::_exit(1);
    char byte;
    while (::read(p[0], &byte, 1) < 0) {
    }
    ::_exit(0);
  }
  ::close(p[0]);
  release_fd_ = p[1];
  if (pid_ < 0) return;
  // Ready once its namespace differs from ours (or it died trying).
  const std::string mine = "/proc/" + std::to_string(pid_) + "/ns/mnt";
  for (int i = 0; i < 500; ++i) {
    struct stat a {}, b {};
    if (::stat(mine.c_str(), &a) == 0 && ::stat(ns.c_str(), &b) == 0 && a.st_ino == b.st_ino) return;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) break;
    std::this_thread::sleep_for(2ms);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

NamespaceWitness::~NamespaceWitness() {
  if (release_fd_ >= 0) ::close(release_fd_);
  if (pid_ <= 0) return;
  for (int i = 0; i < 500; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(2ms);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

bool wait_for_mount_in(const std::string& mountinfo, const std::string& path, bool mounted,
                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto m = find_mount_in(mountinfo, path);
    if ((m && m->fstype.rfind("fuse", 0) == 0) == mounted) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace uringfuse::test
