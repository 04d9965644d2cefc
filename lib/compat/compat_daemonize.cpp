// fuse_daemonize.h (libfuse 3.19): fork before mounting; the parent waits until the
// child reports success or failure of its set-up, then exits with that status.
#include "uringfuse/fuse3/fuse_daemonize.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>

namespace {
int g_status_fd = -1;  // the child's end of the pipe to the waiting parent

void report(int status) {
  if (g_status_fd < 0) return;
  unsigned char byte = static_cast<unsigned char>(status);
  [[maybe_unused]] auto n = write(g_status_fd, &byte, 1);
  close(g_status_fd);
  g_status_fd = -1;
}
}  // namespace

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
  g_status_fd = fds[1];
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    if (null > 0) close(null);
  }
  return 0;
}

void fuse_daemonize_early_success(void) {
  if (g_status_fd < 0) return;
  int null = open("/dev/null", O_RDWR);  // detach stdout/stderr once set-up is done
  if (null >= 0) {
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
  report(0);
}

void fuse_daemonize_early_fail(int err) { report(err ? err : 1); }

bool fuse_daemonize_early_is_active(void) { return g_status_fd >= 0; }

}  // extern "C"
