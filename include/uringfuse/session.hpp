// A session ties a Filesystem to a mount: mount(), then run() serves requests until
// the filesystem is unmounted, a signal arrives, or exit() is called.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "uringfuse/command_line.hpp"
#include "uringfuse/errors.hpp"
#include "uringfuse/filesystem.hpp"
#include "uringfuse/operations.hpp"
#include "uringfuse/queue_stats.hpp"
#include "uringfuse/reply_target.hpp"
#include "uringfuse/session_options.hpp"

namespace uringfuse {

struct SessionState;  // the library's own

class Session {
 public:
  // The static type of `fs` tells which operations it overrides.
  template <std::derived_from<Filesystem> T>
  Session(SessionOptions options, T& fs)
      : Session(std::move(options), static_cast<Filesystem&>(fs), implemented_operations<T>()) {}
  Session(SessionOptions options, Filesystem& fs, OperationSet implemented);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Opens /dev/fuse and mounts. Throws MountError (one line: path and reason).
  void mount();
  // Serves requests until the session ends, then unmounts. Returns 0 on a clean end.
  int run();
  // Ends run() from any thread or a signal handler (async-signal-safe).
  void exit() noexcept;
  bool exited() const noexcept;
  // Instead of mount(): serve a /dev/fuse descriptor mounted by someone else (a
  // privileged parent, or a custom transport). The session owns it from now on.
  void adopt(int fd);

  // For loops of the caller's own (the C API's fuse_session_receive_buf/process_buf):
  // the read buffer a request needs, and one request read from fd(). Replies go to
  // `target`, or to fd() when null. Do not combine with run().
  std::size_t request_buffer_size();
  void process_request(std::span<const std::byte> request, ReplyTarget* target = nullptr);
  // Ends a session served by the caller's loop: calls the filesystem's destroy()
  // (once; the destructor calls it if nobody did and INIT was answered).
  int finish_connection();

  // Changes how /dev/fuse is served; only before run() (the libfuse loops choose this
  // after mounting).
  void set_workers(bool single_thread, unsigned max_threads, unsigned max_idle_threads,
                   bool clone_fd);
  // Unmounts now; run() then returns. Idempotent.
  void unmount() noexcept;

  // Notifications and passthrough backing files (see notifier.hpp).
  Notifier& notifier();

  // FUSE-over-io_uring: whether it is serving, and each queue's counters.
  bool io_uring_active() const;
  std::vector<QueueStats> queue_stats() const;

  const std::string& mountpoint() const;
  int fd() const;  // the /dev/fuse descriptor, -1 before mount()

 private:
  std::unique_ptr<SessionState> state_;
};

// SIGINT, SIGTERM and SIGHUP end `session`; SIGPIPE is ignored. One session at a time.
void install_signal_handlers(Session& session);
void remove_signal_handlers();

// The whole life of a filesystem program: parse argv, mount, daemonize unless -f, serve,
// unmount. Prints errors as one line on stderr; returns the process exit status.
template <std::derived_from<Filesystem> T>
int run_main(int argc, char* argv[], T& fs, const CommandLineSpec& spec = {});

int run_main(int argc, char* argv[], Filesystem& fs, OperationSet implemented,
             const CommandLineSpec& spec);

template <std::derived_from<Filesystem> T>
int run_main(int argc, char* argv[], T& fs, const CommandLineSpec& spec) {
  return run_main(argc, argv, static_cast<Filesystem&>(fs), implemented_operations<T>(), spec);
}

}  // namespace uringfuse
