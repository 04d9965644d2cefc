// Mount layer: turns parsed "-o" options into a live FUSE mount and back.
// Mounts with mount(2) when we are root, otherwise (or for auto_unmount)
// through the setuid fusermount3 helper, which hands us the /dev/fuse fd.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "uringfuse/errors.hpp"

#include "uringfuse/session_options.hpp"

namespace uringfuse::detail {

// The mount options live in the public API (include/uringfuse/session_options.hpp,
// same fields as sketched for this layer); one type, so parsed command lines and
// hand-filled SessionOptions both reach Mount::create() unchanged.
//   mountpoint   absolute or relative path as given by the user
//   fsname       "fsname=" (default: the program name given in `program`)
//   subtype      "subtype=" (type shows as fuse.<subtype>)
//   program      argv[0] basename, used for the default fsname
//   allow_root   libfuse semantics: mounted with allow_other; the library restricts later
//   read_only    "ro" (MS_RDONLY); "rw" clears it
//   extra_flags  MS_* asked for (MS_NOSUID and MS_NODEV are on by default, like libfuse)
//   clear_flags  MS_* turned off explicitly ("suid", "dev", "exec", ...)
using MountOptions = ::uringfuse::MountOptions;

// Applies one "-o" mount option (like "allow_other", "fsname=x", "max_read=4096", "nosuid", "dev", "noatime")
// Returns true if it is a mount option, false if not (so the caller can try other option tables).
// Throws std::invalid_argument with a one-line message naming the option for a malformed value (e.g. "max_read=abc").
bool apply_mount_option(MountOptions&, std::string_view opt);

// Public, so callers of Session::mount() can catch it.
using MountError = ::uringfuse::MountError;

// auto_unmount's watcher process (auto_unmount_watcher.cpp) and our end of its pipe.
struct AutoUnmountWatcher {
  pid_t pid = -1;
  int pipe_fd = -1;
};

// A live mount. Move-only; its destructor unmounts (if still mounted) and closes the fd.
class Mount {
 public:
  Mount() noexcept = default;                 // empty: nothing mounted, fd() == -1
  static Mount create(const MountOptions&);
  // Takes over a /dev/fuse fd mounted elsewhere: nothing to unmount, only to close.
  static Mount adopt(int fd);   // throws MountError with ONE line naming the path and the reason

  Mount(Mount&& other) noexcept;
  Mount& operator=(Mount&& other) noexcept;
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;
  ~Mount();

  int fd() const;                             // the /dev/fuse fd of this mount (-1 once unmounted)
  const std::string& mountpoint() const;     // absolute (realpath) mountpoint
  void unmount() noexcept;                    // detaches the mount; the fd stays open
  // Hands the fd over and forgets the mount: it stays mounted, and nothing here
  // unmounts it or closes the fd (fuse_open_channel's caller owns both).
  int release() noexcept;
  void close_device() noexcept;               // closes the fd (and an auto_unmount helper)                    // idempotent; umount2(MNT_DETACH) if busy ... or fusermount3 -u -z when not root
  // unmount() details: it only unmounts if the mount visible at mountpoint()
  // is still the one create() made; it unmounts before closing fd(), so a
  // daemon still reading fd() sees ENODEV rather than a closed/reused fd, and
  // a synchronous umount can flush dirty data through it. If nobody serves
  // the flush, a watchdog aborts the connection after 10 seconds.

  bool mounted() const noexcept { return mounted_; }
  // Name of this connection's directory under /sys/fs/fuse/connections
  // (write "1" to its "abort" file to kill a hung mount); 0 if unknown.
  unsigned connection_id() const noexcept { return connection_id_; }
  bool via_fusermount() const noexcept { return via_fusermount_; }

 private:
  bool still_ours_on_top() const;

  int fd_ = -1;
  std::string mountpoint_;
  bool mounted_ = false;
  bool via_fusermount_ = false;
  // Identity of our entry in /proc/self/mountinfo, so unmount() can tell
  // whether the thing now sitting on mountpoint_ is still ours.
  // mountinfo ids get reused once a mount goes away; the 64-bit unique id
  // (0 = kernel without it) does not, so it decides when available.
  int mount_id_ = -1;
  unsigned connection_id_ = 0;
  uint64_t unique_mount_id_ = 0;
  // auto_unmount: fusermount3 keeps running and watches this socket; it
  // unmounts once the socket closes (e.g. when we die without unmounting).
  int helper_socket_ = -1;
  pid_t helper_pid_ = -1;
  AutoUnmountWatcher watcher_;  // holds helper_socket_ for us, if it could be started
};

// "/dev/fd/N" as a mountpoint (libfuse's convention): N is a /dev/fuse descriptor a
// privileged helper already mounted (mount.fuse3 -o drop_privileges passes one).
// nullopt for any other path; throws MountError when N is not an open descriptor.
std::optional<int> inherited_fuse_fd(std::string_view mountpoint);

// Runs "fusermount3 --version" with our stdout, as libfuse's fuse_lowlevel_version()
// does; prints nothing when fusermount3 is not installed. Defined in fusermount.cpp.
void print_fusermount_version() noexcept;

// Aborts a FUSE connection by writing to /sys/fs/fuse/connections/<id>/abort
// (mounting fusectl first if needed). Defined in connection_abort.cpp.
bool abort_connection(unsigned connection_id) noexcept;

}  // namespace uringfuse::detail
