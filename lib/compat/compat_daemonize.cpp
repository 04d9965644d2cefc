// fuse_daemonize.h (libfuse 3.19): fork before mounting; the parent waits until the
// child reports success or failure, then exits with that status. As in libfuse,
// success means mounted *and* INIT answered: fuse_daemonize_early_success() before
// that only arms it, and the session's INIT answer completes it (compat_session.cpp
// calls the hooks below). So INIT-time log lines still reach the terminal, and a
// refused INIT ends the child before the parent hears success: the parent then
// exits 1.
#include "uringfuse/fuse3/fuse_daemonize.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "compat/compat_daemonize.hpp"

namespace {

std::mutex g_mutex;          // the report runs once, from the main or the INIT thread
int g_status_fd = -1;        // the child's end of the pipe to the waiting parent
bool g_background = false;   // the child detaches stdout/stderr on success
std::atomic<bool> g_mounted{false}, g_got_init{false}, g_success_asked{false};

void report_locked(int status) {
  if (g_status_fd < 0) return;
  if (status == 0 && g_background) {
    int null = open("/dev/null", O_RDWR);  // detach stdout/stderr once set-up is done
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
      if (null > 2) close(null);
    }
  }
  unsigned char byte = static_cast<unsigned char>(status);
  [[maybe_unused]] auto n = write(g_status_fd, &byte, 1);
  close(g_status_fd);
  g_status_fd = -1;
}

void report_success_when_ready() {
  std::lock_guard lock(g_mutex);
  if (g_success_asked && g_mounted && g_got_init) report_locked(0);
}

}  // namespace

namespace uringfuse::compat {

void daemonize_note_mounted() {
  g_mounted = true;
  report_success_when_ready();
}

void daemonize_note_init_answered() {
  g_got_init = true;
  // libfuse's INIT handler calls fuse_daemonize_early_success() itself.
  g_success_asked = true;
  report_success_when_ready();
}

}  // namespace uringfuse::compat

extern "C" {

int fuse_daemonize_early_start(unsigned int flags) {
  if (!(flags & FUSE_DAEMONIZE_NO_CHDIR) && chdir("/") != 0) return -errno;
  if (flags & FUSE_DAEMONIZE_NO_BACKGROUND) return 0;
  int fds[2];
  if (pipe(fds) != 0) return -errno;
  pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid > 0) {  // parent: the child's verdict is our exit status (EOF: it died)
    close(fds[1]);
    unsigned char status = 1;
    if (read(fds[0], &status, 1) != 1) status = 1;
    _exit(status);
  }
  close(fds[0]);
  {
    std::lock_guard lock(g_mutex);
    g_status_fd = fds[1];
    g_background = true;
  }
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    if (null > 0) close(null);
  }
  return 0;
}

void fuse_daemonize_early_success(void) {
  g_success_asked = true;
  report_success_when_ready();
}

void fuse_daemonize_early_fail(int err) {
  std::lock_guard lock(g_mutex);
  report_locked(err ? err : 1);
}

bool fuse_daemonize_early_is_active(void) {
  std::lock_guard lock(g_mutex);
  return g_status_fd >= 0;
}

}  // extern "C"
