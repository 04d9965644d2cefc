// The unprivileged (and auto_unmount) path: run the setuid fusermount3 helper,
// which mounts for us and sends the /dev/fuse fd back over a socketpair named
// by $_FUSE_COMMFD (SCM_RIGHTS). Also runs "fusermount3 -u" for unmounting.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mount_internal.hpp"
#include "uringfuse/log.hpp"

extern char** environ;

namespace uringfuse::detail {
namespace {

constexpr const char* kHelperName = "fusermount3";
constexpr const char* kCommFdEnv = "_FUSE_COMMFD";

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Prefer the distribution's location (libfuse does the same) before $PATH:
// this runs a setuid binary, and a stray copy earlier in $PATH is unlikely to
// be the one the administrator configured.
std::string find_helper() {
  for (const char* dir : {"/usr/bin", "/bin", "/usr/local/bin"}) {
    std::string p = std::string(dir) + "/" + kHelperName;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  if (const char* path = getenv("PATH")) {
    std::string_view rest = path;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      std::string_view dir = rest.substr(0, colon);
      rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
      if (dir.empty() || dir.front() != '/') continue;  // relative PATH entries: no
      std::string p = std::string(dir) + "/" + kHelperName;
      if (access(p.c_str(), X_OK) == 0) return p;
    }
  }
  return {};
}

struct SpawnSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // complete environment for the child
  int stderr_fd = -1;            // -1: inherit ours; else must be > 2
  int keep_fd = -1;              // > 2; left open across exec (CLOEXEC cleared in the child)
  bool keep_stdout = false;      // print to our stdout (--version) instead of /dev/null
};

// Moves fd above 0..2 (CLOEXEC kept), so that wiring up the child's stdio
// cannot clobber it when the application runs with stdio closed.
int above_stdio(int fd) {
  if (fd < 0 || fd > STDERR_FILENO) return fd;
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  close(fd);
  return moved;
}

// fork+exec with everything prepared beforehand, so the child only makes
// async-signal-safe calls (we may be one thread of many).
pid_t spawn(const std::string& exe, const SpawnSpec& spec) {
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  static const char exec_failed[] = "uringfuse: cannot execute fusermount3\n";

  const pid_t pid = fork();
  if (pid != 0) return pid;  // parent, or -1

  // Child. Signals the application blocks or ignores must not leak into the helper.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);

  // stdin/stdout to /dev/null: the helper needs neither, and an auto_unmount
  // helper that outlives us must not hold our stdout pipe open.
  const int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    dup2(devnull, STDIN_FILENO);
    if (!spec.keep_stdout) dup2(devnull, STDOUT_FILENO);
    if (devnull > STDERR_FILENO) close(devnull);
  }
  if (spec.stderr_fd >= 0) dup2(spec.stderr_fd, STDERR_FILENO);
  if (spec.keep_fd >= 0) fcntl(spec.keep_fd, F_SETFD, 0);
  // Application fds that lack CLOEXEC would otherwise live on in an
  // auto_unmount helper for as long as we do (e.g. holding a pipe open).
  if (spec.keep_fd > STDERR_FILENO) {
    if (spec.keep_fd > STDERR_FILENO + 1) close_range(STDERR_FILENO + 1, spec.keep_fd - 1, 0);
    close_range(spec.keep_fd + 1, ~0U, 0);
  } else {
    close_range(STDERR_FILENO + 1, ~0U, 0);
  }

  execve(exe.c_str(), argv.data(), envp.data());
  const ssize_t ignored = write(STDERR_FILENO, exec_failed, sizeof exec_failed - 1);
  (void)ignored;
  _exit(127);
}

// Our environment minus any stale fusermount variables, plus extras.
std::vector<std::string> child_environment(std::vector<std::string> extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv = *e;
    if (kv.starts_with("_FUSE_COMMFD")) continue;
    env.emplace_back(kv);
  }
  for (auto& x : extra) env.push_back(std::move(x));
  return env;
}

// Waits for the child; returns its wait status, or -1 if it is not ours to
// reap (e.g. the application set SIGCHLD to SIG_IGN).
int wait_child(pid_t pid) {
  int status = 0;
  for (;;) {
    if (waitpid(pid, &status, 0) == pid) return status;
    if (errno != EINTR) return -1;
  }
}

// The fd fusermount3 sends with SCM_RIGHTS alongside one data byte.
// Returns -1 if the helper closed the socket without sending one (it failed).
int receive_fd(int sock) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;

  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return -1;

  int fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int got;
      std::memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (fd < 0)
        fd = got;
      else
        close(got);  // never expected; don't leak it
    }
  }
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  char buf[1024];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > 64 * 1024) break;  // a sane helper never says this much
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  return out;
}

// fusermount3's stderr as one line: lines joined with "; ".
std::string squash_lines(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) {
      if (!out.empty()) out += "; ";
      out += line;
    }
    pos = end + 1;
  }
  return out;
}

std::string describe_status(int status) {
  if (status == -1) return "fusermount3 failed";
  if (WIFEXITED(status)) return "fusermount3 exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "fusermount3 killed by signal " + std::to_string(WTERMSIG(status));
  return "fusermount3 failed";
}

}  // namespace

FusermountResult fusermount_mount(const MountOptions& opts, const CheckedMountpoint& mp,
                                  std::string_view display_path) {
  const std::string what = "mountpoint " + std::string(display_path);
  const std::string exe = find_helper();
  if (exe.empty()) throw_mount_error(what, "fusermount3 not found (install the fuse3 package)");
  const std::string option_string = fusermount_option_string(opts, display_path);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw_mount_error(what, "socketpair: " + errno_text(errno));
  int ours = sv[0], theirs = above_stdio(sv[1]);

  // Capture the helper's complaints so the MountError can carry them.
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    close_fd(ours);
    close_fd(theirs);
    throw_mount_error(what, "pipe: " + errno_text(err));
  }
  int err_read = err_pipe[0], err_write = above_stdio(err_pipe[1]);
  if (theirs < 0 || err_write < 0) {
    const int err = errno;
    close_fd(ours);
    close_fd(theirs);
    close_fd(err_read);
    close_fd(err_write);
    throw_mount_error(what, "fcntl: " + errno_text(err));
  }

  SpawnSpec spec;
  spec.argv = {kHelperName, "-o", option_string, "--", mp.path};
  spec.env = child_environment({std::string(kCommFdEnv) + "=" + std::to_string(theirs)});
  spec.stderr_fd = err_write;
  spec.keep_fd = theirs;

  const pid_t pid = spawn(exe, spec);
  const int spawn_err = errno;
  close_fd(theirs);
  close_fd(err_write);
  if (pid < 0) {
    close_fd(ours);
    close_fd(err_read);
    throw_mount_error(what, "cannot start fusermount3: " + errno_text(spawn_err));
  }

  const int dev_fd = receive_fd(ours);

  if (dev_fd < 0) {
    // The helper gave up; it has exited or is about to, so its stderr hits EOF.
    const std::string said = squash_lines(read_all(err_read));
    close_fd(err_read);
    close_fd(ours);
    const int status = wait_child(pid);
    throw_mount_error(what, said.empty() ? describe_status(status) : said);
  }

  if (opts.auto_unmount) {
    // This helper stays alive until `ours` closes, then unmounts if we did
    // not. It blocks all signals and goes quiet, so closing its stderr pipe
    // is harmless.
    close_fd(err_read);
    return FusermountResult{dev_fd, ours, pid};
  }

  const std::string said = read_all(err_read);
  close_fd(err_read);
  close_fd(ours);
  wait_child(pid);
  // It mounted; anything it printed is a warning (e.g. "unsafe option ... ignored").
  if (const std::string line = squash_lines(said); !line.empty())
    log(LogLevel::warning, "%s", line.c_str());
  return FusermountResult{dev_fd, -1, -1};
}

FusermountCommand fusermount_unmount_command(const std::string& path) {
  FusermountCommand c;
  c.exe = find_helper();
  c.argv = {kHelperName, "-u", "-q", "-z", "--", path};
  c.env = child_environment({});
  return c;
}

void print_fusermount_version() noexcept {
  try {
    const std::string exe = find_helper();
    if (exe.empty()) return;
    SpawnSpec spec;
    spec.argv = {kHelperName, "--version"};
    spec.env = child_environment({});
    spec.keep_stdout = true;
    const pid_t pid = spawn(exe, spec);
    if (pid >= 0) wait_child(pid);
  } catch (...) {  // out of memory building argv: the line is only informative
  }
}

bool fusermount_unmount(const std::string& path) {
  const std::string exe = find_helper();
  if (exe.empty()) {
    errno = ENOENT;
    return false;
  }
  SpawnSpec spec;
  spec.argv = {kHelperName, "-u", "-q", "-z", "--", path};
  spec.env = child_environment({});
  const pid_t pid = spawn(exe, spec);
  if (pid < 0) return false;
  const int status = wait_child(pid);
  // status -1: someone else reaped it; we cannot tell, assume it worked.
  return status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void release_fusermount_helper(int& helper_socket, pid_t& helper_pid) noexcept {
  // Closing the socket is the helper's cue to check the mount and exit.
  close_fd(helper_socket);
  reap_child_bounded(helper_pid);
}

void reap_child_bounded(pid_t& pid) noexcept {
  // Bounded: a helper stuck on a mount someone else keeps alive must not hang our
  // unmount (or destructor). If it outlives this it stays a zombie until the process
  // exits or reaps it; after daemonizing it is not our child at all (ECHILD).
  for (int i = 0; i < 300 && pid > 0; ++i) {
    const pid_t r = waitpid(pid, nullptr, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    timespec ts{0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  pid = -1;
}

}  // namespace uringfuse::detail
