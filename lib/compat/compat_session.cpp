// Session lifecycle of the C API: fuse_session_new parses the library's options
// (anything left over is an error, as in libfuse), fuse_session_mount mounts through
// a uringfuse::Session, and the loops run it single-threaded or with a worker pool.
#include <limits.h>
#include <signal.h>
#include <stdlib.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "compat/compat_custom_io.hpp"
#include "compat/compat_daemonize.hpp"
#include "compat/compat_filesystem.hpp"
#include "compat/compat_types.hpp"
#include "mount/mount.hpp"
#include "transport/dev/dev_reply_target.hpp"
#include "session/option_list.hpp"
#include "uringfuse/command_line.hpp"
#include "uringfuse/log.hpp"

using namespace uringfuse;

namespace {

// Options fuse_session_new consumes: the lowlevel ones, then the mount options.
bool apply_session_option(fuse_session* se, std::string_view opt) {
  auto& o = se->options;
  if (opt == "debug") {
    o.debug = true;
  } else if (opt == "allow_root") {
    o.mount.allow_root = true;
  } else {
    try {
      return detail::apply_io_uring_option(o, opt) || detail::apply_mount_option(o.mount, opt);
    } catch (const std::exception& e) {  // a malformed value: reported, then refused
      fuse_log(FUSE_LOG_ERR, "fuse: %s\n", e.what());
      return false;
    }
  }
  return true;
}

// libfuse's switches for io_uring without touching a program's options (its
// fuse_session_new reads them before the options, which still win): a filesystem
// whose own option parser drops `-o io_uring` (fuse-overlayfs's does) gets the
// ring this way. A value that is not a number is refused, not read as 0.
bool apply_uring_environment(SessionOptions& o) {
  auto number = [](const char* name, const char* value, unsigned least) -> std::optional<unsigned> {
    try {
      return detail::parse_count(name, value, least);
    } catch (const CommandLineError&) {
      fuse_log(FUSE_LOG_ERR, "fuse: invalid %s=%s (expected a %s number)\n", name, value,
               least == 0 ? "whole" : "positive");
      return std::nullopt;
    }
  };
  if (const char* v = std::getenv("FUSE_URING_ENABLE")) {
    auto n = number("FUSE_URING_ENABLE", v, 0);
    if (!n) return false;
    o.io_uring = *n != 0;
  }
  if (const char* v = std::getenv("FUSE_URING_QUEUE_DEPTH")) {
    auto n = number("FUSE_URING_QUEUE_DEPTH", v, 1);
    if (!n) return false;
    o.io_uring_q_depth = *n;
  }
  return true;
}

fuse_session* g_signal_session = nullptr;
struct sigaction g_old[4];
constexpr int kSignals[] = {SIGHUP, SIGINT, SIGTERM, SIGPIPE};

void on_exit_signal(int sig) {
  if (!g_signal_session) return;
  g_signal_session->stop_signal.store(sig);
  fuse_session_exit(g_signal_session);
}

int run(fuse_session* se) {
  if (!se->session) {
    fuse_log(FUSE_LOG_ERR, "fuse: the session is not mounted\n");
    return -EINVAL;
  }
  int rc = se->session->run();
  if (rc != 0) return -rc;
  return se->stop_signal.load();  // libfuse: the signal that ended the loop, else 0
}

}  // namespace

extern "C" {

fuse_session* fuse_session_new_versioned(fuse_args* args, const fuse_lowlevel_ops* op, size_t op_size,
                                         const libfuse_version*, void* userdata) {
  if (!args || args->argc < 1) {
    fuse_log(FUSE_LOG_ERR, "fuse: empty argv passed to fuse_session_new()\n");
    return nullptr;
  }
  auto se = std::make_unique<fuse_session>();
  se->options.debug_format = SessionOptions::DebugFormat::libfuse;  // -d prints libfuse's lines
  se->options.on_ready = compat::daemonize_note_init_answered;
  if (op_size > sizeof(fuse_lowlevel_ops)) {
    fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may not work\n");
    op_size = sizeof(fuse_lowlevel_ops);
  }
  if (op) std::memcpy(&se->ops, op, op_size);
  if (!apply_uring_environment(se->options)) return nullptr;
  se->userdata = userdata;
  const char* prog = args->argv[0] ? strrchr(args->argv[0], '/') : nullptr;
  se->options.mount.program = prog ? prog + 1 : (args->argv[0] ? args->argv[0] : "fuse");
  std::string unknown;
  for (int i = 1; i < args->argc; ++i) {
    std::string_view a = args->argv[i];
    if (a == "-d" || a == "--debug") {
      se->options.debug = true;
    } else if (a == "-o" && i + 1 < args->argc) {
      for (const auto& item : detail::split_option_list(args->argv[++i]))
        if (!item.empty() && !apply_session_option(se.get(), item)) unknown += " -o " + item;
    } else if (a.substr(0, 2) == "-o" && a.size() > 2) {
      for (const auto& item : detail::split_option_list(a.substr(2)))
        if (!item.empty() && !apply_session_option(se.get(), item)) unknown += " -o " + item;
    } else {
      unknown += " " + std::string(a);
    }
  }
  if (!unknown.empty()) {
    fuse_log(FUSE_LOG_ERR, "fuse: unknown option(s): `%s'\n", unknown.c_str() + 1);
    return nullptr;
  }
  if (se->options.debug) set_log_level(LogLevel::debug);
  se->fs = std::make_unique<compat::CompatFilesystem>(se.get());
  return se.release();
}

int fuse_session_custom_io_317(fuse_session* se, const fuse_custom_io* io, size_t op_size, int fd) {
  if (fd < 0) {
    fuse_log(FUSE_LOG_ERR, "fuse: invalid file descriptor value %d passed to fuse_session_custom_io()\n", fd);
    return -EBADFD;
  }
  if (!io || !io->read || !io->writev) {
    fuse_log(FUSE_LOG_ERR, "fuse: io passed to fuse_session_custom_io() needs read and writev\n");
    return -EINVAL;
  }
  fuse_custom_io copy{};
  std::memcpy(&copy, io, std::min(op_size, sizeof copy));
  se->custom_io = copy;
  se->custom_fd = fd;
  // Replies (and notifications) leave through the caller's writev.
  se->custom_target = std::make_unique<detail::DevReplyTarget>(
      fd, [se](int target_fd, iovec* parts, int count) {
        return se->custom_io->writev(target_fd, parts, count, se->custom_io_userdata);
      });
  se->options.io_uring = false;  // the ring would bypass the caller's transport
  try {
    se->session = std::make_unique<Session>(se->options, *se->fs, se->fs->implemented());
    se->session->adopt(fd);
  } catch (const std::exception& e) {
    fuse_log(FUSE_LOG_ERR, "fuse: %s\n", e.what());
    return -EIO;
  }
  return 0;
}

int fuse_session_mount(fuse_session* se, const char* mountpoint) {
  se->options.mount.mountpoint = mountpoint ? mountpoint : "";
  try {
    se->session = std::make_unique<Session>(se->options, *se->fs, se->fs->implemented());
    se->session->mount();  // also takes "/dev/fd/N", a descriptor mounted by a privileged parent
  } catch (const std::exception& e) {
    fuse_log(FUSE_LOG_ERR, "%s\n", e.what());
    se->session.reset();
    return -1;
  }
  if (se->exited) se->session->exit();
  compat::daemonize_note_mounted();
  return 0;
}

int fuse_session_loop(fuse_session* se) {
  if (se->custom_io) return compat::loop_over_custom_io(se);
  if (se->session) se->session->set_workers(true, 1, 1, false);
  return run(se);
}

int fuse_session_loop_mt_312(fuse_session* se, fuse_loop_config* config) {
  if (se->custom_io) return compat::loop_over_custom_io(se);  // one reader: the caller's
  if (se->session) {
    fuse_loop_config defaults;
    if (!config) config = &defaults;
    se->session->set_workers(false, config->max_threads,
                             config->max_idle_threads == UINT_MAX ? config->max_threads : config->max_idle_threads,
                             config->clone_fd != 0);
  }
  return run(se);
}

int fuse_session_loop_mt_32(fuse_session* se, fuse_loop_config_v1* v1) {
  fuse_loop_config config;
  if (v1) {
    config.clone_fd = v1->clone_fd;
    config.max_idle_threads = v1->max_idle_threads;
  }
  return fuse_session_loop_mt_312(se, &config);
}

int fuse_session_loop_mt_31(fuse_session* se, int clone_fd) {
  fuse_loop_config config;
  config.clone_fd = clone_fd;
  return fuse_session_loop_mt_312(se, &config);
}

void fuse_session_exit(fuse_session* se) {
  se->exited.store(true);
  if (se->session) se->session->exit();  // async-signal-safe: one eventfd write
}

void fuse_session_reset(fuse_session* se) { se->exited.store(false); }

int fuse_session_exited(fuse_session* se) { return se->exited.load() ? 1 : 0; }

void fuse_session_unmount(fuse_session* se) {
  if (se->session) se->session->unmount();
}

void fuse_session_destroy(fuse_session* se) {
  if (g_signal_session == se) g_signal_session = nullptr;
  const int custom_fd = se->custom_fd;
  delete se;  // destroy() runs first if INIT was answered (Session's destructor)
  if (custom_fd >= 0) ::close(custom_fd);  // fuse_session_custom_io's fd, as libfuse closes it
}

int fuse_session_fd(const fuse_session* se) {
  if (se->custom_fd >= 0) return se->custom_fd;
  return se->session ? se->session->fd() : -1;
}

void fuse_session_set_debug(fuse_session* se) {
  se->options.debug = true;
  set_log_level(LogLevel::debug);
}

// Synchronous INIT needs FUSE_DEV_IOC_SYNC_INIT; INIT is always served by the loop here.
void fuse_session_set_sync_init(fuse_session*, bool) {}

// INIT is always answered by the loop, after fuse_session_mount() (doc/porting.md).
bool fuse_conn_is_sync_init(const fuse_conn_info*) { return false; }

int fuse_set_signal_handlers(fuse_session* se) {
  g_signal_session = se;
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 4; ++i) {
    sa.sa_handler = kSignals[i] == SIGPIPE ? SIG_IGN : on_exit_signal;
    if (sigaction(kSignals[i], &sa, &g_old[i]) == -1) {
      fuse_log(FUSE_LOG_ERR, "fuse: cannot set signal handler: %s\n", std::strerror(errno));
      return -1;
    }
  }
  return 0;
}

int fuse_set_fail_signal_handlers(fuse_session*) { return 0; }

void fuse_remove_signal_handlers(const fuse_session* se) {
  if (g_signal_session != se) return;
  for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
  g_signal_session = nullptr;
}

}  // extern "C"
