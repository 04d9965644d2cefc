// Internal glue between the files of lib/mount/: option rendering, the
// mountpoint checks and /proc/self/mountinfo reading, and the two ways of
// mounting (mount(2) directly, or via fusermount3).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mount.hpp"

namespace uringfuse::detail {

// ---- error text (every MountError is one line: "uringfuse: <what>: <why>") --

std::string one_line(std::string_view text);
[[noreturn]] void throw_mount_error(std::string_view what, std::string_view why);
std::string errno_text(int err);

// ---- mount_options.cpp ------------------------------------------------------

// Final MS_* flags for mount(2): libfuse's MS_NOSUID|MS_NODEV default, plus
// extra_flags and read_only, minus whatever was cleared explicitly.
unsigned long effective_mount_flags(const MountOptions& opts);
// Source column of the mount table: fsname, else the program name.
std::string mount_source(const MountOptions& opts);
// "fuse" or "fuse.<subtype>".
std::string mount_fstype(const MountOptions& opts);
// The data string the kernel's fuse filesystem parses.
std::string kernel_mount_data(const MountOptions& opts, int dev_fd, mode_t rootmode,
                              uid_t uid, gid_t gid);
// The "-o" argument for fusermount3; throws MountError (naming `display_path`)
// if a requested flag cannot be expressed in fusermount3's vocabulary.
std::string fusermount_option_string(const MountOptions& opts, std::string_view display_path);
// Cross-option consistency checks done before anything touches the system.
void validate_mount_options(const MountOptions& opts, std::string_view display_path);

// ---- mountpoint_check.cpp ---------------------------------------------------

struct CheckedMountpoint {
  std::string path;  // canonical absolute path
  mode_t mode = 0;   // st_mode of the directory we mount over
};

// Resolves and checks the user's mountpoint; throws MountError on problems.
CheckedMountpoint check_mountpoint(const std::string& given);
// Throws the "is the fuse module loaded?" MountError if /dev/fuse is absent.
void check_fuse_device();
// MountError text for a failed open("/dev/fuse").
[[noreturn]] void throw_dev_fuse_error(int err);

struct MountInfoEntry {
  int mount_id = -1;
  int parent_id = -1;
  unsigned major = 0, minor = 0;
  std::string mount_point;  // unescaped
  std::string fstype;
  std::string source;       // unescaped
};

// Parsed /proc/self/mountinfo; nullopt if it cannot be read.
std::optional<std::vector<MountInfoEntry>> read_mountinfo();
bool is_fuse_fstype(std::string_view fstype);
// The mount currently visible at `path` (the top of any stack there), if any.
std::optional<MountInfoEntry> topmost_mount_at(const std::vector<MountInfoEntry>& table,
                                               const std::string& path);
// The never-reused 64-bit id (Linux 6.8+) of the mount visible at `path`,
// read without asking any FUSE daemon; nullopt if unsupported or on error.
std::optional<uint64_t> unique_mount_id(const std::string& path);

// ---- kernel_mount.cpp -------------------------------------------------------

struct KernelMountResult {
  int fd = -1;              // valid on success
  bool not_permitted = false;  // EPERM: caller may retry through fusermount3
};
// Opens /dev/fuse and calls mount(2). Throws MountError on failure other
// than EPERM.
KernelMountResult kernel_mount(const MountOptions& opts, const CheckedMountpoint& mp,
                               std::string_view display_path);
// umount2(), lazily if busy. Returns false (errno set) on failure.
bool kernel_unmount(const std::string& path);

// ---- fusermount.cpp ---------------------------------------------------------

struct FusermountResult {
  int fd = -1;              // the /dev/fuse fd fusermount3 opened for us
  int helper_socket = -1;   // auto_unmount only: keep open while mounted
  pid_t helper_pid = -1;    // auto_unmount only: the still-running fusermount3
};
FusermountResult fusermount_mount(const MountOptions& opts, const CheckedMountpoint& mp,
                                  std::string_view display_path);
// Runs "fusermount3 -u -q -z -- path". Returns true on success.
bool fusermount_unmount(const std::string& path);
// That command, for a process that must exec it later without allocating; exe is
// empty if fusermount3 is not installed.
struct FusermountCommand {
  std::string exe;
  std::vector<std::string> argv, env;
};
FusermountCommand fusermount_unmount_command(const std::string& path);
// Closes the auto_unmount socket and reaps that fusermount3 (bounded wait).
void release_fusermount_helper(int& helper_socket, pid_t& helper_pid) noexcept;
// Waits up to 3 s for a child to exit and reaps it; pid is -1 afterwards.
void reap_child_bounded(pid_t& pid) noexcept;

// ---- connection_abort.cpp ---------------------------------------------------

inline constexpr const char* kFusectlDir = "/sys/fs/fuse/connections";
// <kFusectlDir>/<id>/abort: writing "1" there ends the connection.
std::string connection_abort_path(unsigned connection_id);

// ---- auto_unmount_watcher.cpp -----------------------------------------------

// Forks the process that, if we die, aborts the connection and then lets fusermount3
// (whose socket it takes over: helper_socket is -1 afterwards) unmount. On failure
// logs a warning and returns an empty watcher; fusermount3 keeps its socket then.
AutoUnmountWatcher start_auto_unmount_watcher(unsigned connection_id, const std::string& mountpoint,
                                              int& helper_socket);
// A clean end: tells the watcher not to abort anything, and reaps it.
void stop_auto_unmount_watcher(AutoUnmountWatcher& watcher) noexcept;

}  // namespace uringfuse::detail
