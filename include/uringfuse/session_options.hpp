// Everything that configures a session: the mount, how requests are served, logging.
// Filled by parse_command_line() from libfuse-style arguments, or by hand.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace uringfuse {

// How the filesystem is mounted (the -o mount options of libfuse).
struct MountOptions {
  std::string mountpoint;          // as given; made absolute when mounting
  std::string fsname;              // "fsname=" (default: the program name)
  std::string subtype;             // "subtype=": the type shows as fuse.<subtype>
  std::string program;             // argv[0]'s basename, for the default fsname
  bool allow_other = false;        // other users may access the mount
  bool allow_root = false;         // only the owner and root may (mounted as allow_other)
  bool default_permissions = false;  // the kernel checks permissions from the attributes
  bool read_only = false;          // "ro"
  bool auto_unmount = false;       // unmount when the daemon dies (through fusermount3)
  std::optional<std::uint32_t> max_read, blksize;
  unsigned long extra_flags = 0;   // MS_* flags asked for (noexec, noatime, ...)
  unsigned long clear_flags = 0;   // MS_* flags explicitly turned off (suid, dev, ...)
};

struct SessionOptions {
  MountOptions mount;
  bool debug = false;          // -d: one log line per request and per reply
  // The shape of those lines: ours, or libfuse's ("unique: N, opcode: ...",
  // "   unique: N, error: -2 (No such file or directory), outsize: 16"), which
  // the C API uses so that scripts reading libfuse's -d output keep working.
  enum class DebugFormat : std::uint8_t { uringfuse, libfuse };
  DebugFormat debug_format = DebugFormat::uringfuse;
  // Called once, on the thread that answered INIT, right after the answer went out:
  // the mount serves requests from now on. A daemon that forked early releases its
  // waiting parent here (the C API's fuse_daemonize_early_success does).
  std::function<void()> on_ready;
  bool foreground = false;     // -f: do not daemonize
  bool single_thread = false;  // -s: one thread serves every request
  unsigned max_threads = 10;   // worker pool ceiling, like libfuse's default
  unsigned max_idle_threads = 10;  // idle workers beyond this exit
  bool clone_fd = false;       // each worker reads its own cloned /dev/fuse fd

  // FUSE-over-io_uring (-o io_uring): one ring per possible CPU once the kernel offers
  // it; /dev/fuse stays served alongside for FORGET, INTERRUPT and notifications.
  bool io_uring = false;
  unsigned io_uring_q_depth = 16;  // entries per queue (-o io_uring_q_depth=N); doc/io_uring.md
  unsigned io_uring_threads = 0;  // threads serving the queues; 0 = one per queue
  bool io_uring_pin = true;       // pin ring threads to their CPUs
  // After each batch of replies a ring thread keeps looking for the next request this
  // long (yielding the CPU to anyone runnable) before it sleeps: the caller's next
  // request then needs no wake-up (-o io_uring_spin=USEC; 0 sleeps at once).
  unsigned io_uring_spin_us = 50;
};

}  // namespace uringfuse
