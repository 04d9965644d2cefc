// fuse_parse_cmdline and the help/version printers, with libfuse's behaviour: -d is
// kept in args (so fuse_session_new sees it), the mountpoint is made absolute, and a
// default subtype is added unless fsname= or subtype= was given.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <climits>
#include <cstddef>

#include "compat/compat_types.hpp"
#include "mount/mount.hpp"
#include "session/daemonize.hpp"
#include "uringfuse/version.hpp"

namespace {

#define CMDLINE_OPT(t, p, v) {t, offsetof(struct fuse_cmdline_opts, p), v}

const struct fuse_opt kCmdlineSpec[] = {
    CMDLINE_OPT("-h", show_help, 1),
    CMDLINE_OPT("--help", show_help, 1),
    CMDLINE_OPT("-V", show_version, 1),
    CMDLINE_OPT("--version", show_version, 1),
    CMDLINE_OPT("-d", debug, 1),
    CMDLINE_OPT("debug", debug, 1),
    CMDLINE_OPT("-d", foreground, 1),
    CMDLINE_OPT("debug", foreground, 1),
    FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
    FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
    CMDLINE_OPT("-f", foreground, 1),
    CMDLINE_OPT("-s", singlethread, 1),
    CMDLINE_OPT("fsname=", nodefault_subtype, 1),
    FUSE_OPT_KEY("fsname=", FUSE_OPT_KEY_KEEP),
    CMDLINE_OPT("subtype=", nodefault_subtype, 1),
    FUSE_OPT_KEY("subtype=", FUSE_OPT_KEY_KEEP),
    CMDLINE_OPT("clone_fd", clone_fd, 1),
    CMDLINE_OPT("max_idle_threads=%u", max_idle_threads, 0),
    CMDLINE_OPT("max_threads=%u", max_threads, 0),
    FUSE_OPT_END,
};

int take_mountpoint(void* data, const char* arg, int key, struct fuse_args*) {
  auto* opts = static_cast<fuse_cmdline_opts*>(data);
  if (key != FUSE_OPT_KEY_NONOPT) return 1;  // everything else stays for fuse_session_new
  if (opts->mountpoint) {
    fuse_log(FUSE_LOG_ERR, "fuse: invalid argument `%s'\n", arg);
    return -1;
  }
  int fd = -1;
  if (sscanf(arg, "/dev/fd/%d", &fd) == 1 && fd >= 0) {  // an fd from a privileged parent
    opts->mountpoint = strdup(arg);
    return 0;
  }
  char resolved[PATH_MAX];
  if (!realpath(arg, resolved)) {
    fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", arg, strerror(errno));
    return -1;
  }
  opts->mountpoint = strdup(resolved);
  return 0;
}

}  // namespace

extern "C" {

int fuse_parse_cmdline_312(struct fuse_args* args, struct fuse_cmdline_opts* opts) {
  memset(opts, 0, sizeof *opts);
  opts->max_idle_threads = UINT_MAX;
  opts->max_threads = 10;
  if (fuse_opt_parse(args, opts, kCmdlineSpec, take_mountpoint) == -1) return -1;
  if (!opts->nodefault_subtype && args->argc > 0 && args->argv[0]) {
    const char* base = strrchr(args->argv[0], '/');
    std::string subtype = std::string("-osubtype=") + (base ? base + 1 : args->argv[0]);
    if (fuse_opt_add_arg(args, subtype.c_str()) == -1) return -1;
  }
  return 0;
}

int fuse_parse_cmdline_30(struct fuse_args* args, struct fuse_cmdline_opts* opts) {
  fuse_cmdline_opts all{};
  int rc = fuse_parse_cmdline_312(args, &all);
  if (rc == 0) memcpy(opts, &all, offsetof(fuse_cmdline_opts, max_threads));  // a caller's struct ends there
  return rc;
}

void fuse_cmdline_help(void) {
  printf("    -h   --help            print help\n"
         "    -V   --version         print version\n"
         "    -d   -o debug          enable debug output (implies -f)\n"
         "    -f                     foreground operation\n"
         "    -s                     disable multi-threaded operation\n"
         "    -o clone_fd            use separate fuse device fd for each thread\n"
         "    -o max_idle_threads    the maximum number of idle worker threads\n"
         "    -o max_threads         the maximum number of worker threads (default 10)\n");
}

void fuse_lowlevel_help(void) {
  printf("    -o allow_other         allow access by all users\n"
         "    -o allow_root          allow access by root\n"
         "    -o auto_unmount        auto unmount on process termination\n"
         "    -o io_uring            serve requests over FUSE-over-io_uring when offered\n"
         "    -o io_uring_q_depth=N  ring entries per queue (default 16)\n"
         "    -o io_uring_threads=N  threads serving the rings (uringfuse)\n");
}

void fuse_lowlevel_version(void) {
  printf("using FUSE kernel interface version 7.45 (uringfuse %s)\n", uringfuse::version());
  // libfuse then lets fusermount3 print its own version line; flush first so that
  // the lines keep their order.
  fflush(stdout);
  uringfuse::detail::print_fusermount_version();
}

int fuse_daemonize(int foreground) {
  if (foreground) return 0;
  return uringfuse::detail::daemonize() ? 0 : -1;
}

}  // extern "C"
