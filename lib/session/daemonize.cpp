// The classic double-step: the parent waits on a pipe for the child to report that it
// detached, so the shell sees the mount ready when the command returns.
#include "session/daemonize.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

bool detach_child() {
  if (::setsid() < 0) return false;
  if (::chdir("/") < 0) return false;
  int null = ::open("/dev/null", O_RDWR);
  if (null < 0) return false;
  for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
  if (null > 2) ::close(null);
  return true;
}

}  // namespace

bool daemonize() {
  int pipe_fds[2];
  if (::pipe(pipe_fds) < 0) {
    log(LogLevel::err, "uringfuse: daemonize: pipe: %s", std::strerror(errno));
    return false;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    log(LogLevel::err, "uringfuse: daemonize: fork: %s", std::strerror(errno));
    return false;
  }
  if (pid > 0) {  // parent: wait for the child's word, then leave without cleanup
    ::close(pipe_fds[1]);
    char status = 1;
    if (::read(pipe_fds[0], &status, 1) != 1) status = 1;
    ::_exit(status);
  }
  ::close(pipe_fds[0]);
  bool ok = detach_child();
  if (!ok) log(LogLevel::err, "uringfuse: daemonize: %s", std::strerror(errno));
  char status = ok ? 0 : 1;
  [[maybe_unused]] auto n = ::write(pipe_fds[1], &status, 1);
  ::close(pipe_fds[1]);
  return ok;
}

}  // namespace uringfuse::detail
