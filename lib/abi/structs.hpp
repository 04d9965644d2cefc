// FUSE kernel protocol 7.45 message layouts: request/reply headers, the fixed
// argument and reply structs of every opcode, notification bodies, directory
// records and request extensions.  Kernel names and member types throughout.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uringfuse::abi {

// Wire structs are padded by hand to 8-byte multiples so that 32-bit servers
// see the same layout as 64-bit kernels; abi_checks.hpp pins every size.

// ---- Attribute records -------------------------------------------------

struct fuse_attr {
  uint64_t ino;
  uint64_t size;
  uint64_t blocks;
  uint64_t atime;
  uint64_t mtime;
  uint64_t ctime;
  uint32_t atimensec;
  uint32_t mtimensec;
  uint32_t ctimensec;
  uint32_t mode;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint32_t rdev;
  uint32_t blksize;
  uint32_t flags;  // attr_flag::*
};

// fuse_sx_time and fuse_statx mirror struct statx_timestamp / struct statx.
// The kernel spells the reserved members __reserved, __spare0 and __spare2;
// those names are reserved in C++, so the underscores are dropped here.
struct fuse_sx_time {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};

struct fuse_statx {
  uint32_t mask;
  uint32_t blksize;
  uint64_t attributes;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint16_t mode;
  uint16_t spare0[1];
  uint64_t ino;
  uint64_t size;
  uint64_t blocks;
  uint64_t attributes_mask;
  fuse_sx_time atime;
  fuse_sx_time btime;
  fuse_sx_time ctime;
  fuse_sx_time mtime;
  uint32_t rdev_major;
  uint32_t rdev_minor;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint64_t spare2[14];
};

struct fuse_kstatfs {
  uint64_t blocks;
  uint64_t bfree;
  uint64_t bavail;
  uint64_t files;
  uint64_t ffree;
  uint32_t bsize;
  uint32_t namelen;
  uint32_t frsize;
  uint32_t padding;
  uint32_t spare[6];
};

struct fuse_file_lock {
  uint64_t start;
  uint64_t end;
  uint32_t type;
  uint32_t pid;  // thread group id of the lock holder
};

// ---- Message headers ---------------------------------------------------

// fuse_in_header::uid/gid when the daemon negotiated ALLOW_IDMAP and the
// caller's ids cannot be mapped.
inline constexpr uint32_t INVALID_UIDGID = 0xffffffffu;

struct fuse_in_header {
  uint32_t len;  // whole request, header included
  uint32_t opcode;
  uint64_t unique;
  uint64_t nodeid;
  uint32_t uid;
  uint32_t gid;
  uint32_t pid;
  uint16_t total_extlen;  // extensions at the end, in units of 8 bytes
  uint16_t padding;
};

struct fuse_out_header {
  uint32_t len;   // whole reply, header included
  int32_t error;  // 0 or -errno; a NotifyCode when unique == 0
  uint64_t unique;
};

// ---- Lookup, forget, attributes ---------------------------------------

struct fuse_entry_out {
  uint64_t nodeid;
  uint64_t generation;   // (nodeid, generation) unique for the fs lifetime
  uint64_t entry_valid;  // name cache timeout, seconds
  uint64_t attr_valid;   // attribute cache timeout, seconds
  uint32_t entry_valid_nsec;
  uint32_t attr_valid_nsec;
  fuse_attr attr;
};

struct fuse_forget_in {
  uint64_t nlookup;
};

struct fuse_forget_one {
  uint64_t nodeid;
  uint64_t nlookup;
};

// Followed by `count` fuse_forget_one records.
struct fuse_batch_forget_in {
  uint32_t count;
  uint32_t dummy;
};

struct fuse_getattr_in {
  uint32_t getattr_flags;  // getattr_flag::*
  uint32_t dummy;
  uint64_t fh;
};

struct fuse_attr_out {
  uint64_t attr_valid;
  uint32_t attr_valid_nsec;
  uint32_t dummy;
  fuse_attr attr;
};

struct fuse_statx_in {
  uint32_t getattr_flags;
  uint32_t reserved;
  uint64_t fh;
  uint32_t sx_flags;  // AT_STATX_* sync flags of statx(2)
  uint32_t sx_mask;   // STATX_* fields wanted
};

struct fuse_statx_out {
  uint64_t attr_valid;
  uint32_t attr_valid_nsec;
  uint32_t flags;
  uint64_t spare[2];
  fuse_statx stat;
};

// ---- Node creation and naming -----------------------------------------

struct fuse_mknod_in {
  uint32_t mode;
  uint32_t rdev;
  uint32_t umask;
  uint32_t padding;
};

struct fuse_mkdir_in {
  uint32_t mode;
  uint32_t umask;
};

struct fuse_rename_in {
  uint64_t newdir;
};

struct fuse_rename2_in {
  uint64_t newdir;
  uint32_t flags;  // RENAME_NOREPLACE / RENAME_EXCHANGE / RENAME_WHITEOUT
  uint32_t padding;
};

struct fuse_link_in {
  uint64_t oldnodeid;
};

struct fuse_setattr_in {
  uint32_t valid;  // fattr::*
  uint32_t padding;
  uint64_t fh;
  uint64_t size;
  uint64_t lock_owner;
  uint64_t atime;
  uint64_t mtime;
  uint64_t ctime;
  uint32_t atimensec;
  uint32_t mtimensec;
  uint32_t ctimensec;
  uint32_t mode;
  uint32_t unused4;
  uint32_t uid;
  uint32_t gid;
  uint32_t unused5;
};

// ---- Open files --------------------------------------------------------

struct fuse_open_in {
  uint32_t flags;       // open(2) flags
  uint32_t open_flags;  // open_in_flag::*
};

struct fuse_create_in {
  uint32_t flags;
  uint32_t mode;
  uint32_t umask;
  uint32_t open_flags;  // open_in_flag::*
};

struct fuse_open_out {
  uint64_t fh;
  uint32_t open_flags;  // fopen::*
  int32_t backing_id;   // with fopen::PASSTHROUGH
};

struct fuse_release_in {
  uint64_t fh;
  uint32_t flags;
  uint32_t release_flags;  // release_flag::*
  uint64_t lock_owner;
};

struct fuse_flush_in {
  uint64_t fh;
  uint32_t unused;
  uint32_t padding;
  uint64_t lock_owner;
};

struct fuse_read_in {
  uint64_t fh;
  uint64_t offset;
  uint32_t size;
  uint32_t read_flags;  // read_flag::*
  uint64_t lock_owner;
  uint32_t flags;
  uint32_t padding;
};

// Followed by `size` bytes of data.
struct fuse_write_in {
  uint64_t fh;
  uint64_t offset;
  uint32_t size;
  uint32_t write_flags;  // write_flag::*
  uint64_t lock_owner;
  uint32_t flags;
  uint32_t padding;
};

struct fuse_write_out {
  uint32_t size;
  uint32_t padding;
};

struct fuse_statfs_out {
  fuse_kstatfs st;
};

struct fuse_fsync_in {
  uint64_t fh;
  uint32_t fsync_flags;  // fsync_flag::*
  uint32_t padding;
};

// ---- Extended attributes ----------------------------------------------

// Followed by the name (NUL-terminated) and `size` bytes of value.  Only the
// first COMPAT_SETXATTR_IN_SIZE bytes are sent unless SETXATTR_EXT was agreed.
struct fuse_setxattr_in {
  uint32_t size;
  uint32_t flags;           // XATTR_CREATE / XATTR_REPLACE
  uint32_t setxattr_flags;  // setxattr_flag::*
  uint32_t padding;
};

struct fuse_getxattr_in {
  uint32_t size;
  uint32_t padding;
};

struct fuse_getxattr_out {
  uint32_t size;
  uint32_t padding;
};

// ---- Locks and access --------------------------------------------------

struct fuse_lk_in {
  uint64_t fh;
  uint64_t owner;
  fuse_file_lock lk;
  uint32_t lk_flags;  // lk_flag::*
  uint32_t padding;
};

struct fuse_lk_out {
  fuse_file_lock lk;
};

struct fuse_access_in {
  uint32_t mask;
  uint32_t padding;
};

// ---- INIT --------------------------------------------------------------

struct fuse_init_in {
  uint32_t major;
  uint32_t minor;
  uint32_t max_readahead;
  uint32_t flags;   // init_flag bits 0..31
  uint32_t flags2;  // init_flag bits 32..63 (with INIT_EXT)
  uint32_t unused[11];
};

struct fuse_init_out {
  uint32_t major;
  uint32_t minor;
  uint32_t max_readahead;
  uint32_t flags;
  uint16_t max_background;
  uint16_t congestion_threshold;
  uint32_t max_write;
  uint32_t time_gran;
  uint16_t max_pages;
  uint16_t map_alignment;
  uint32_t flags2;
  uint32_t max_stack_depth;
  uint16_t request_timeout;  // seconds, with init_flag::REQUEST_TIMEOUT
  uint16_t unused[11];
};

// CUSE_INIT reply: followed by up to CUSE_INFO_MAX bytes of NUL-separated
// "KEY=VALUE" device info.  (Kernel CUSE_INIT_INFO_MAX, a macro there.)
inline constexpr std::size_t CUSE_INFO_MAX = 4096;

struct cuse_init_in {
  uint32_t major;
  uint32_t minor;
  uint32_t unused;
  uint32_t flags;  // cuse_init_flag::*
};

struct cuse_init_out {
  uint32_t major;
  uint32_t minor;
  uint32_t unused;
  uint32_t flags;
  uint32_t max_read;
  uint32_t max_write;
  uint32_t dev_major;
  uint32_t dev_minor;
  uint32_t spare[10];
};

// ---- Miscellaneous requests -------------------------------------------

struct fuse_interrupt_in {
  uint64_t unique;
};

struct fuse_bmap_in {
  uint64_t block;
  uint32_t blocksize;
  uint32_t padding;
};

struct fuse_bmap_out {
  uint64_t block;
};

struct fuse_ioctl_in {
  uint64_t fh;
  uint32_t flags;  // ioctl_flag::*
  uint32_t cmd;
  uint64_t arg;
  uint32_t in_size;
  uint32_t out_size;
};

struct fuse_ioctl_iovec {
  uint64_t base;
  uint64_t len;
};

// With ioctl_flag::RETRY, followed by in_iovs + out_iovs fuse_ioctl_iovec.
struct fuse_ioctl_out {
  int32_t result;
  uint32_t flags;
  uint32_t in_iovs;
  uint32_t out_iovs;
};

struct fuse_poll_in {
  uint64_t fh;
  uint64_t kh;
  uint32_t flags;  // poll_flag::*
  uint32_t events;
};

struct fuse_poll_out {
  uint32_t revents;
  uint32_t padding;
};

struct fuse_fallocate_in {
  uint64_t fh;
  uint64_t offset;
  uint64_t length;
  uint32_t mode;
  uint32_t padding;
};

struct fuse_lseek_in {
  uint64_t fh;
  uint64_t offset;
  uint32_t whence;
  uint32_t padding;
};

struct fuse_lseek_out {
  uint64_t offset;
};

struct fuse_copy_file_range_in {
  uint64_t fh_in;
  uint64_t off_in;
  uint64_t nodeid_out;
  uint64_t fh_out;
  uint64_t off_out;
  uint64_t len;
  uint64_t flags;
};

// Reply to COPY_FILE_RANGE_64 (the older opcode answers with fuse_write_out).
struct fuse_copy_file_range_out {
  uint64_t bytes_copied;
};

struct fuse_syncfs_in {
  uint64_t padding;
};

// ---- virtiofs DAX window ----------------------------------------------

struct fuse_setupmapping_in {
  uint64_t fh;
  uint64_t foffset;  // file offset
  uint64_t len;
  uint64_t flags;    // setupmapping_flag::*
  uint64_t moffset;  // offset in the DAX window
};

// Followed by `count` fuse_removemapping_one records.  Only 4 bytes long:
// the kernel never padded it.
struct fuse_removemapping_in {
  uint32_t count;
};

struct fuse_removemapping_one {
  uint64_t moffset;
  uint64_t len;
};

// ---- Directory records (READDIR / READDIRPLUS replies) ---------------

// Fixed part of a directory record; the name (namelen bytes, no NUL) follows
// at dirent_name_offset(), and the record is padded to dirent_size(namelen).
// The kernel declares a trailing `char name[]`, which C++ lacks.
struct fuse_dirent {
  uint64_t ino;
  uint64_t off;  // cookie for the next READDIR
  uint32_t namelen;
  uint32_t type;  // DT_* (file type bits of st_mode >> 12)
};

struct fuse_direntplus {
  fuse_entry_out entry_out;
  fuse_dirent dirent;
};

constexpr std::size_t rec_align(std::size_t n) noexcept {
  return (n + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1);
}

constexpr std::size_t dirent_align(std::size_t n) noexcept {
  return rec_align(n);
}

constexpr std::size_t dirent_name_offset() noexcept {
  return sizeof(fuse_dirent);
}

constexpr std::size_t direntplus_name_offset() noexcept {
  return sizeof(fuse_direntplus);
}

constexpr std::size_t dirent_size(std::size_t namelen) noexcept {
  return dirent_align(dirent_name_offset() + namelen);
}

constexpr std::size_t direntplus_size(std::size_t namelen) noexcept {
  return dirent_align(direntplus_name_offset() + namelen);
}

// ---- Notifications (daemon -> kernel, unique 0) -----------------------

struct fuse_notify_poll_wakeup_out {
  uint64_t kh;
};

struct fuse_notify_inval_inode_out {
  uint64_t ino;
  int64_t off;
  int64_t len;
};

// Followed by the name and a NUL.
struct fuse_notify_inval_entry_out {
  uint64_t parent;
  uint32_t namelen;
  uint32_t flags;  // inval_entry_flag::*
};

// Followed by the name and a NUL.
struct fuse_notify_delete_out {
  uint64_t parent;
  uint64_t child;
  uint32_t namelen;
  uint32_t padding;
};

// Followed by `size` bytes of data.
struct fuse_notify_store_out {
  uint64_t nodeid;
  uint64_t offset;
  uint32_t size;
  uint32_t padding;
};

struct fuse_notify_retrieve_out {
  uint64_t notify_unique;
  uint64_t nodeid;
  uint64_t offset;
  uint32_t size;
  uint32_t padding;
};

// Argument of the kernel's NOTIFY_REPLY request answering a RETRIEVE; laid
// out to be the same size as fuse_write_in.  Followed by `size` bytes.
struct fuse_notify_retrieve_in {
  uint64_t dummy1;
  uint64_t offset;
  uint32_t size;
  uint32_t dummy2;
  uint64_t dummy3;
  uint64_t dummy4;
};

// Followed by `count` uint64_t node ids.
struct fuse_notify_prune_out {
  uint32_t count;
  uint32_t padding;
  uint64_t spare;
};

// ---- Passthrough (argument of DEV_IOC_BACKING_OPEN) -------------------

struct fuse_backing_map {
  int32_t fd;
  uint32_t flags;
  uint64_t padding;
};

// ---- Request extensions (total_extlen * 8 bytes at the request's end) --

// Generic extension header; `size` covers the header itself.  A `type` of at
// most ext_type::MAX_NR_SECCTX marks a fuse_secctx_header instead.
struct fuse_ext_header {
  uint32_t size;
  uint32_t type;  // ext_type::*
};

// Followed by nr_groups uint32_t group ids.  (Kernel: trailing `groups[]`.)
struct fuse_supp_groups {
  uint32_t nr_groups;
};

// Security context extension: the header, then nr_secctx times
// { fuse_secctx, NUL-terminated xattr name, `size` bytes of label }.
struct fuse_secctx_header {
  uint32_t size;  // everything, this header included
  uint32_t nr_secctx;
};

struct fuse_secctx {
  uint32_t size;  // length of the label that follows the name
  uint32_t padding;
};

// ---- Short forms accepted from/for old protocol minors ----------------

inline constexpr std::size_t COMPAT_ENTRY_OUT_SIZE = 120;   // minor < 9
inline constexpr std::size_t COMPAT_ATTR_OUT_SIZE = 96;     // minor < 9
inline constexpr std::size_t COMPAT_MKNOD_IN_SIZE = 8;      // minor < 12
inline constexpr std::size_t COMPAT_WRITE_IN_SIZE = 24;     // minor < 9
inline constexpr std::size_t COMPAT_STATFS_SIZE = 48;       // minor < 4
inline constexpr std::size_t COMPAT_SETXATTR_IN_SIZE = 8;   // no SETXATTR_EXT
inline constexpr std::size_t COMPAT_INIT_OUT_SIZE = 8;      // minor < 5
inline constexpr std::size_t COMPAT_22_INIT_OUT_SIZE = 24;  // minor < 23

#ifndef FUSE_COMPAT_ENTRY_OUT_SIZE  // absent unless <linux/fuse.h> was included
inline constexpr std::size_t FUSE_COMPAT_ENTRY_OUT_SIZE = COMPAT_ENTRY_OUT_SIZE;
#endif

// How many fuse_removemapping_one fit in one REMOVEMAPPING request.
constexpr std::size_t removemapping_max_entry(std::size_t page_size) noexcept {
  return page_size / sizeof(fuse_removemapping_one);
}

}  // namespace uringfuse::abi
