// FUSE protocol 7.45 per-request flag words (everything except INIT bits):
// one nested namespace per field, named after the field it belongs to, so a
// bit can only be tested against the word it was defined for.
#pragma once

#include <cstdint>

namespace uringfuse::abi {

// fuse_open_out::open_flags (reply to OPEN, OPENDIR, CREATE).
namespace fopen {
inline constexpr uint32_t DIRECT_IO = 1u << 0;
inline constexpr uint32_t KEEP_CACHE = 1u << 1;
inline constexpr uint32_t NONSEEKABLE = 1u << 2;
inline constexpr uint32_t CACHE_DIR = 1u << 3;
inline constexpr uint32_t STREAM = 1u << 4;
inline constexpr uint32_t NOFLUSH = 1u << 5;
inline constexpr uint32_t PARALLEL_DIRECT_WRITES = 1u << 6;
inline constexpr uint32_t PASSTHROUGH = 1u << 7;  // fuse_open_out::backing_id is valid
}  // namespace fopen

// fuse_setattr_in::valid: which fields of the request carry a new value.
namespace fattr {
inline constexpr uint32_t MODE = 1u << 0;
inline constexpr uint32_t UID = 1u << 1;
inline constexpr uint32_t GID = 1u << 2;
inline constexpr uint32_t SIZE = 1u << 3;
inline constexpr uint32_t ATIME = 1u << 4;
inline constexpr uint32_t MTIME = 1u << 5;
inline constexpr uint32_t FH = 1u << 6;
inline constexpr uint32_t ATIME_NOW = 1u << 7;
inline constexpr uint32_t MTIME_NOW = 1u << 8;
inline constexpr uint32_t LOCKOWNER = 1u << 9;
// Kernel FATTR_CTIME; renamed because <sys/ioctl.h> (via <sys/ttydefaults.h>)
// defines a CTIME macro.
inline constexpr uint32_t CTIME_SET = 1u << 10;
inline constexpr uint32_t KILL_SUIDGID = 1u << 11;
}  // namespace fattr

// fuse_write_in::write_flags.
namespace write_flag {
inline constexpr uint32_t CACHE = 1u << 0;  // from the page cache; fh is a guess
inline constexpr uint32_t LOCKOWNER = 1u << 1;
inline constexpr uint32_t KILL_SUIDGID = 1u << 2;
inline constexpr uint32_t KILL_PRIV = KILL_SUIDGID;  // old name
}  // namespace write_flag

// fuse_read_in::read_flags.
namespace read_flag {
inline constexpr uint32_t LOCKOWNER = 1u << 1;
}  // namespace read_flag

// fuse_release_in::release_flags.
namespace release_flag {
inline constexpr uint32_t FLUSH = 1u << 0;
inline constexpr uint32_t FLOCK_UNLOCK = 1u << 1;
}  // namespace release_flag

// fuse_getattr_in::getattr_flags (also fuse_statx_in::getattr_flags).
namespace getattr_flag {
inline constexpr uint32_t FH = 1u << 0;
}  // namespace getattr_flag

// fuse_lk_in::lk_flags.
namespace lk_flag {
inline constexpr uint32_t FLOCK = 1u << 0;  // BSD flock() rather than POSIX lock
}  // namespace lk_flag

// fuse_fsync_in::fsync_flags (FSYNC and FSYNCDIR).
namespace fsync_flag {
inline constexpr uint32_t FDATASYNC = 1u << 0;
}  // namespace fsync_flag

// fuse_open_in::open_flags and fuse_create_in::open_flags.
namespace open_in_flag {
inline constexpr uint32_t KILL_SUIDGID = 1u << 0;
}  // namespace open_in_flag

// fuse_setxattr_in::setxattr_flags (needs init_flag::SETXATTR_EXT).
namespace setxattr_flag {
inline constexpr uint32_t ACL_KILL_SGID = 1u << 0;
}  // namespace setxattr_flag

// fuse_ioctl_in::flags and fuse_ioctl_out::flags.
namespace ioctl_flag {
inline constexpr uint32_t COMPAT = 1u << 0;        // 32-bit caller on a 64-bit kernel
inline constexpr uint32_t UNRESTRICTED = 1u << 1;  // retries allowed
inline constexpr uint32_t RETRY = 1u << 2;         // reply asks for a retry with iovecs
inline constexpr uint32_t IS_32BIT = 1u << 3;      // kernel FUSE_IOCTL_32BIT
inline constexpr uint32_t DIR = 1u << 4;
inline constexpr uint32_t COMPAT_X32 = 1u << 5;
// Not a flag: upper bound on in_iovs + out_iovs in a RETRY reply.
inline constexpr uint32_t MAX_IOV = 256;
}  // namespace ioctl_flag

// fuse_poll_in::flags.
namespace poll_flag {
inline constexpr uint32_t SCHEDULE_NOTIFY = 1u << 0;
}  // namespace poll_flag

// fuse_attr::flags.
namespace attr_flag {
inline constexpr uint32_t SUBMOUNT = 1u << 0;
inline constexpr uint32_t DAX = 1u << 1;
}  // namespace attr_flag

// fuse_notify_inval_entry_out::flags.
namespace inval_entry_flag {
inline constexpr uint32_t EXPIRE_ONLY = 1u << 0;  // needs init_flag::HAS_EXPIRE_ONLY
}  // namespace inval_entry_flag

// cuse_init_in::flags and cuse_init_out::flags.
namespace cuse_init_flag {
inline constexpr uint32_t UNRESTRICTED_IOCTL = 1u << 0;
}  // namespace cuse_init_flag

// fuse_setupmapping_in::flags (virtiofs DAX).
namespace setupmapping_flag {
inline constexpr uint64_t WRITE = 1ull << 0;
inline constexpr uint64_t READ = 1ull << 1;
}  // namespace setupmapping_flag

// fuse_ext_header::type.  Values 0..MAX_NR_SECCTX are not types: an extension
// whose type is that small is a fuse_secctx_header and the value is its
// nr_secctx.
namespace ext_type {
inline constexpr uint32_t MAX_NR_SECCTX = 31;
inline constexpr uint32_t GROUPS = 32;  // fuse_supp_groups
}  // namespace ext_type

}  // namespace uringfuse::abi
