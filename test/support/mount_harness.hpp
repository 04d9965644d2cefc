// Helpers for tests that mount for real: a fresh mkdtemp directory, a daemon started
// and stopped by PID, a watchdog that aborts a hung connection, and teardown that
// always leaves nothing mounted.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace uringfuse::test {

// Mount tests need root and /dev/fuse. Empty when they are there, else the reason.
std::string mount_prerequisites_missing();
// Under CI a missing prerequisite is a failure, never a skip.
bool running_in_ci();

// A fresh directory from mkdtemp under /tmp (absolute), removed recursively at the
// end unless something is still mounted below it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct MountEntry {
  unsigned major = 0, minor = 0;  // minor is the fusectl connection id
  std::string fstype, source, options;
};
// The entry mounted exactly at `path`, read from /proc/self/mountinfo (never touches
// the mount itself, so it cannot hang).
std::optional<MountEntry> find_mount(const std::string& path);
// The same, from another mountinfo file: /proc/<pid>/mountinfo shows the mounts of
// that process's mount namespace.
std::optional<MountEntry> find_mount_in(const std::string& mountinfo, const std::string& path);
bool wait_for_mount(const std::string& path, bool mounted, std::chrono::milliseconds timeout);

// Lazily unmounts `path` if something is mounted there and aborts its connection so
// that nothing stays blocked. Returns true if it had anything to do.
bool force_unmount(const std::string& path);

// A program started with fork/exec, stdout+stderr captured to a file.
class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args,
          const std::string& log_path);
  // The same, but the child runs `prepare` just before exec (to enter a namespace or
  // drop privileges, say). It may make only async-signal-safe calls, since the parent
  // can have other threads; if it returns false the child exits 126 instead of exec.
  Process(const std::string& binary, const std::vector<std::string>& args,
          const std::string& log_path, const std::function<bool()>& prepare);
  ~Process();  // kills (SIGKILL) and reaps it if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Exit status (or 128+signal) once it exits within `timeout`; nullopt if it did not.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void signal(int sig);
  std::string output() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Aborts the FUSE connection at `mountpoint` if the test body is still running when
// the deadline passes, so blocked syscalls return and the test fails instead of
// hanging.
class Watchdog {
 public:
  Watchdog(std::string mountpoint, std::chrono::seconds deadline);
  ~Watchdog();
  bool fired() const { return fired_.load(); }

 private:
  std::string mountpoint_;
  std::atomic<bool> fired_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// io_uring runs must really use the ring: the module parameter is switched on (it
// resets at boot) and the daemon must say it serves over io_uring, not fall back.
bool enable_fuse_uring();
bool asks_for_io_uring(const std::vector<std::string>& args);
bool wait_for_uring(Process& daemon);
// Sum of the per-queue request counters the daemon printed at exit (-1: none printed).
long long uring_requests_served(const std::string& daemon_log);
// One queue's line of the daemon's exit counters (lib/session/uring_starter.cpp).
struct UringQueueCounters {
  unsigned qid = 0;
  unsigned long long requests = 0, replies = 0, handed_on = 0, leads_stolen = 0, moved_entries = 0,
                     returned_entries = 0, backend_ops = 0;
};
std::vector<UringQueueCounters> uring_exit_counters(const std::string& daemon_log);
// The same summed over every queue (qid left 0).
UringQueueCounters uring_exit_totals(const std::string& daemon_log);

// Stops a daemon with SIGTERM, as a user would: it must unmount and exit by itself.
// Over io_uring (`on_uring`), one more request first (statfs) proves the ring
// carried traffic, and the ring's counters printed at exit must show it. Returns
// what went wrong, one line each (empty: nothing); always leaves nothing mounted.
std::vector<std::string> stop_with_sigterm(Process& daemon, const std::string& mnt, bool on_uring);

// Path of a program of the build tree, given relative to its root
// ("test/mount/async_fs"). URINGFUSE_PROGRAM_ROOT names another build tree to take
// the daemons from: the sanitizer runs start their sanitized daemons from the plain
// tree's test binary (test/sanitize/run.sh), which need not be built three times.
std::string built_program(const std::string& relative);

// The path-API passthrough (test/compat/passthrough_hl.c, built in test/mount/).
std::string path_passthrough_binary();

// Pins the calling thread to `cpu`. Over io_uring a client's requests go to its
// CPU's queue, so pinned clients choose the queue (and the ring thread beside them).
void pin_this_thread(int cpu);

// Path of a bundled example program (URINGFUSE_EXAMPLE_DIR overrides where the
// examples are looked for, else as built_program); an absolute path is taken as it is.
std::string example_binary(const std::string& name);

// Reads a whole file through the mount with plain syscalls.
std::optional<std::string> read_file(const std::string& path);

// Creates or truncates `path` (with `mode` if it is new) and writes all of
// `content`; false with errno set if any step fails.
bool write_file(const std::string& path, const std::string& content, mode_t mode = 0644);
// Appends all of `content` to an existing file.
bool append_file(const std::string& path, const std::string& content);

}  // namespace uringfuse::test
