// auto_unmount, made to work over io_uring too. fusermount3 unmounts after the daemon
// dies only if open(mountpoint) then fails with ENOTCONN. A /dev/fuse transport meets
// that at once: the kernel closes the dead daemon's fds and the connection ends. Ring
// entries, though, hold /dev/fuse until io_uring's asynchronous teardown, so at the
// moment fusermount3 looks the connection is still up and the mount stays behind.
//
// So a small watcher process sits between us and fusermount3: it holds fusermount3's
// socket, and we hold a pipe to it. On a clean end we say so and it just exits. If the
// pipe ends without that, we died: it aborts the connection through fusectl (the abort
// file belongs to the mount's owner, so this works unprivileged too), and only then
// closes fusermount3's socket, so fusermount3 finds ENOTCONN and unmounts.
//
// Unprivileged, fusermount3 before 3.15 (Debian 12 has 3.14) looks with open() as
// root, which the kernel refuses on a user's mount without allow_other (EACCES, not
// ENOTCONN), so it never unmounts. The watcher, running as that user, then becomes
// "fusermount3 -u -z" itself. (A newer fusermount3 may have unmounted already; the
// second attempt then finds nothing and says nothing, -q.)
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mount/mount_internal.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

constexpr char kCleanEnd = 'u';

void write_stderr(const char* text) { [[maybe_unused]] auto n = ::write(2, text, std::strlen(text)); }

// Only async-signal-safe calls from here on: we were forked from a process that may
// have other threads, one of which may hold the allocator's lock.
bool write_abort(const char* abort_path) {
  int fd = ::open(abort_path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && ::geteuid() == 0) {
    // fusectl shows nothing until mounted; EBUSY means someone just did.
    ::mount("fusectl", kFusectlDir, "fusectl", 0, nullptr);
    fd = ::open(abort_path, O_WRONLY | O_CLOEXEC);
  }
  if (fd < 0) return false;
  const bool ok = ::write(fd, "1", 1) == 1;
  ::close(fd);
  return ok;
}

// Prepared before fork, so the watcher can exec it without allocating.
struct PreparedExec {
  std::string exe;
  std::vector<std::string> storage_argv, storage_env;
  std::vector<char*> argv, env;
  explicit PreparedExec(FusermountCommand c)
      : exe(std::move(c.exe)), storage_argv(std::move(c.argv)), storage_env(std::move(c.env)) {
    for (auto& a : storage_argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : storage_env) env.push_back(e.data());
    env.push_back(nullptr);
  }
};

[[noreturn]] void watch(int pipe_fd, int helper_socket, const char* abort_path,
                        const PreparedExec* unmount) {
  // Ctrl-C reaches the whole process group; the watcher must outlive the daemon.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) ::sigaction(sig, &ignore, nullptr);
  ::prctl(PR_SET_NAME, "uringfuse-watch", 0, 0, 0);
  // Keep stdio (for our one message), the pipe and the socket; above all, do not keep
  // /dev/fuse, which would keep the connection alive.
  const unsigned lo = static_cast<unsigned>(pipe_fd < helper_socket ? pipe_fd : helper_socket);
  const unsigned hi = static_cast<unsigned>(pipe_fd < helper_socket ? helper_socket : pipe_fd);
  if (lo > 3) ::close_range(3, lo - 1, 0);
  if (hi > lo + 1) ::close_range(lo + 1, hi - 1, 0);
  ::close_range(hi + 1, ~0U, 0);

  char byte = 0;
  ssize_t n;
  do {
    n = ::read(pipe_fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 1 && byte == kCleanEnd) ::_exit(0);
  if (abort_path[0] != '\0' && !write_abort(abort_path))
    write_stderr("uringfuse: auto_unmount: the daemon died and its FUSE connection could not be "
                 "aborted (is fusectl mounted?); the mount may stay behind\n");
  ::close(helper_socket);  // fusermount3's cue
  if (unmount) {
    ::execve(unmount->exe.c_str(), unmount->argv.data(), unmount->env.data());
    write_stderr("uringfuse: auto_unmount: cannot run fusermount3 -u\n");
  }
  ::_exit(0);
}

}  // namespace

AutoUnmountWatcher start_auto_unmount_watcher(unsigned connection_id, const std::string& mountpoint,
                                              int& helper_socket) {
  // Built before fork: the child may not allocate.
  const std::string abort_path =
      connection_id ? connection_abort_path(connection_id) : "";
  std::optional<PreparedExec> unmount;
  if (::geteuid() != 0)
    if (auto command = fusermount_unmount_command(mountpoint); !command.exe.empty())
      unmount.emplace(std::move(command));
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    log(LogLevel::warning, "uringfuse: auto_unmount watcher: pipe: %s; over io_uring a killed "
        "daemon may leave its mount behind", std::strerror(errno));
    return {};
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    log(LogLevel::warning, "uringfuse: auto_unmount watcher: fork: %s; over io_uring a killed "
        "daemon may leave its mount behind", std::strerror(errno));
    ::close(p[0]);
    ::close(p[1]);
    return {};
  }
  if (pid == 0) {
    ::close(p[1]);
    watch(p[0], helper_socket, abort_path.c_str(), unmount ? &*unmount : nullptr);
  }
  ::close(p[0]);
  // fusermount3's socket now lives in the watcher only, so it ends when the watcher does.
  ::close(helper_socket);
  helper_socket = -1;
  return {pid, p[1]};
}

void stop_auto_unmount_watcher(AutoUnmountWatcher& watcher) noexcept {
  if (watcher.pipe_fd < 0) return;
  [[maybe_unused]] auto n = ::write(watcher.pipe_fd, &kCleanEnd, 1);
  ::close(watcher.pipe_fd);
  watcher.pipe_fd = -1;
  reap_child_bounded(watcher.pid);
}

}  // namespace uringfuse::detail
