// The typed arguments of requests, as handlers see them: decoded from the kernel's
// structs so that handlers never touch protocol bytes.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <cstdint>

namespace uringfuse {

struct OpenIn {
  std::int32_t flags = 0;        // open(2) flags as the caller passed them
  std::uint32_t open_flags = 0;  // FUSE_OPEN_* (e.g. kill suid/sgid)
};

struct ReadIn {
  std::uint64_t fh = 0;
  std::uint64_t offset = 0;
  std::uint32_t size = 0;  // the most bytes the reply may carry
  std::uint32_t read_flags = 0;
  std::uint64_t lock_owner = 0;
  std::uint32_t flags = 0;  // the file's open flags
};

struct ReleaseIn {
  std::uint64_t fh = 0;
  std::uint32_t flags = 0;  // the file's open flags
  std::uint32_t release_flags = 0;
  std::uint64_t lock_owner = 0;
};

struct FlushIn {
  std::uint64_t fh = 0;
  std::uint64_t lock_owner = 0;
};

struct GetattrIn {
  bool has_fh = false;  // true when the kernel asks about an open file (fstat)
  std::uint64_t fh = 0;
};

struct Forget {
  std::uint64_t ino = 0;
  std::uint64_t nlookup = 0;
};

}  // namespace uringfuse

#include <ctime>

namespace uringfuse {

// SETATTR: which fields to change (FATTR_* bits, named).
struct SetattrIn {
  enum Field : std::uint32_t {
    mode = 1u << 0,
    uid = 1u << 1,
    gid = 1u << 2,
    size = 1u << 3,
    atime = 1u << 4,
    mtime = 1u << 5,
    fh = 1u << 6,
    atime_now = 1u << 7,
    mtime_now = 1u << 8,
    lock_owner = 1u << 9,
    ctime = 1u << 10,
    kill_suidgid = 1u << 11,
  };
  std::uint32_t valid = 0;
  bool has(Field f) const { return valid & f; }

  std::uint64_t file_handle = 0;  // with Field::fh (ftruncate, futimens, ...)
  std::uint64_t owner = 0;        // with Field::lock_owner
  std::uint64_t new_size = 0;
  std::uint32_t new_mode = 0;
  std::uint32_t new_uid = 0;
  std::uint32_t new_gid = 0;
  timespec new_atime{};  // ignore when atime_now is set: use the current time
  timespec new_mtime{};
  timespec new_ctime{};
};

struct WriteIn {
  std::uint64_t fh = 0;
  std::uint64_t offset = 0;
  std::uint32_t write_flags = 0;  // FUSE_WRITE_CACHE 1, LOCKOWNER 2, KILL_SUIDGID 4
  std::uint64_t lock_owner = 0;
  std::uint32_t flags = 0;  // the file's open flags
  bool from_page_cache() const { return write_flags & 1u; }
  bool kill_suidgid() const { return write_flags & 4u; }
};

struct FsyncIn {
  std::uint64_t fh = 0;
  bool datasync = false;
};

struct SetxattrIn {
  std::int32_t flags = 0;           // XATTR_CREATE / XATTR_REPLACE
  std::uint32_t setxattr_flags = 0;  // FUSE_SETXATTR_ACL_KILL_SGID (with setxattr_ext)
};

struct FileLock {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // inclusive; OFFSET_MAX for "to the end"
  std::uint32_t type = 0;  // F_RDLCK, F_WRLCK, F_UNLCK
  std::uint32_t pid = 0;
};

struct LockIn {
  std::uint64_t fh = 0;
  std::uint64_t owner = 0;
  FileLock lock;
};

struct FlockIn {
  std::uint64_t fh = 0;
  std::uint64_t owner = 0;
  int operation = 0;  // LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB unless it may wait
};

struct IoctlIn {
  std::uint64_t fh = 0;
  std::uint32_t flags = 0;  // FUSE_IOCTL_* (compat, unrestricted, dir, 32bit)
  std::uint32_t cmd = 0;
  std::uint64_t arg = 0;    // the caller's argument (often a user-space pointer)
  std::uint32_t in_size = 0;
  std::uint32_t out_size = 0;  // the most bytes the reply may carry
  bool unrestricted() const { return flags & 2u; }
};

struct PollIn {
  std::uint64_t fh = 0;
  std::uint64_t kh = 0;        // the kernel's handle for wake-ups
  std::uint32_t flags = 0;     // FUSE_POLL_SCHEDULE_NOTIFY 1
  std::uint32_t events = 0;    // POLLIN, POLLOUT, ...
  bool wants_notify() const { return flags & 1u; }
};

struct FallocateIn {
  std::uint64_t fh = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::int32_t mode = 0;  // FALLOC_FL_*
};

struct LseekIn {
  std::uint64_t fh = 0;
  std::int64_t offset = 0;
  int whence = 0;  // SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE
};

struct CopyFileRangeIn {
  std::uint64_t fh_in = 0;
  std::uint64_t offset_in = 0;
  std::uint64_t ino_out = 0;
  std::uint64_t fh_out = 0;
  std::uint64_t offset_out = 0;
  std::uint64_t length = 0;
  std::uint64_t flags = 0;
};

struct StatxIn {
  bool has_fh = false;
  std::uint64_t fh = 0;
  std::uint32_t flags = 0;  // AT_STATX_* sync flags
  std::uint32_t mask = 0;   // STATX_* fields asked for
};

struct BmapIn {
  std::uint64_t block = 0;
  std::uint32_t blocksize = 0;
};

}  // namespace uringfuse
