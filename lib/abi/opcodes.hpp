// FUSE kernel protocol 7.45: request opcodes, notification codes and the
// protocol-wide constants (version, root node id, minimum read buffer).
// Values follow the kernel's <linux/fuse.h>; names drop the FUSE_ prefix.
#pragma once

#include <cstdint>
#include <string_view>

namespace uringfuse::abi {

inline constexpr uint32_t KERNEL_VERSION = 7;
inline constexpr uint32_t KERNEL_MINOR_VERSION = 45;

// Node id of the mount's root directory.
inline constexpr uint64_t ROOT_ID = 1;

// The kernel refuses a /dev/fuse read into a smaller buffer.
inline constexpr uint32_t MIN_READ_BUFFER = 8192;

// Set in fuse_in_header::unique when the kernel resends a pending request
// (after NotifyCode::RESEND, negotiated with init_flag::HAS_RESEND).
inline constexpr uint64_t UNIQUE_RESEND = 1ull << 63;

// Value of fuse_in_header::opcode.  7 and 19 were never assigned.
enum class Opcode : uint32_t {
  LOOKUP = 1,
  FORGET = 2,  // no reply
  GETATTR = 3,
  SETATTR = 4,
  READLINK = 5,
  SYMLINK = 6,
  MKNOD = 8,
  MKDIR = 9,
  UNLINK = 10,
  RMDIR = 11,
  RENAME = 12,
  LINK = 13,
  OPEN = 14,
  READ = 15,
  WRITE = 16,
  STATFS = 17,
  RELEASE = 18,
  FSYNC = 20,
  SETXATTR = 21,
  GETXATTR = 22,
  LISTXATTR = 23,
  REMOVEXATTR = 24,
  FLUSH = 25,
  INIT = 26,
  OPENDIR = 27,
  READDIR = 28,
  RELEASEDIR = 29,
  FSYNCDIR = 30,
  GETLK = 31,
  SETLK = 32,
  SETLKW = 33,
  ACCESS = 34,
  CREATE = 35,
  INTERRUPT = 36,
  BMAP = 37,
  DESTROY = 38,
  IOCTL = 39,
  POLL = 40,
  NOTIFY_REPLY = 41,
  BATCH_FORGET = 42,  // no reply
  FALLOCATE = 43,
  READDIRPLUS = 44,
  RENAME2 = 45,
  LSEEK = 46,
  COPY_FILE_RANGE = 47,
  SETUPMAPPING = 48,
  REMOVEMAPPING = 49,
  SYNCFS = 50,
  TMPFILE = 51,
  STATX = 52,
  COPY_FILE_RANGE_64 = 53,

  CUSE_INIT = 4096,
};

// Never sent: an INIT opcode read with the wrong byte order shows up as one
// of these, which lets a server detect an endianness mismatch.
inline constexpr uint32_t CUSE_INIT_BSWAP_RESERVED = 4096u << 8;  // 1048576
inline constexpr uint32_t FUSE_INIT_BSWAP_RESERVED = 26u << 24;   // 436207616

// Value of fuse_out_header::error for a server-to-kernel notification
// (which always carries unique == 0).
enum class NotifyCode : int32_t {
  POLL = 1,
  INVAL_INODE = 2,
  INVAL_ENTRY = 3,
  STORE = 4,
  RETRIEVE = 5,
  DELETE = 6,
  RESEND = 7,
  INC_EPOCH = 8,
  PRUNE = 9,
};

constexpr std::string_view opcode_name(Opcode op) noexcept {
  switch (op) {
    case Opcode::LOOKUP:
      return "LOOKUP";
    case Opcode::FORGET:
      return "FORGET";
    case Opcode::GETATTR:
      return "GETATTR";
    case Opcode::SETATTR:
      return "SETATTR";
    case Opcode::READLINK:
      return "READLINK";
    case Opcode::SYMLINK:
      return "SYMLINK";
    case Opcode::MKNOD:
      return "MKNOD";
    case Opcode::MKDIR:
      return "MKDIR";
    case Opcode::UNLINK:
      return "UNLINK";
    case Opcode::RMDIR:
      return "RMDIR";
    case Opcode::RENAME:
      return "RENAME";
    case Opcode::LINK:
      return "LINK";
    case Opcode::OPEN:
      return "OPEN";
    case Opcode::READ:
      return "READ";
    case Opcode::WRITE:
      return "WRITE";
    case Opcode::STATFS:
      return "STATFS";
    case Opcode::RELEASE:
      return "RELEASE";
    case Opcode::FSYNC:
      return "FSYNC";
    case Opcode::SETXATTR:
      return "SETXATTR";
    case Opcode::GETXATTR:
      return "GETXATTR";
    case Opcode::LISTXATTR:
      return "LISTXATTR";
    case Opcode::REMOVEXATTR:
      return "REMOVEXATTR";
    case Opcode::FLUSH:
      return "FLUSH";
    case Opcode::INIT:
      return "INIT";
    case Opcode::OPENDIR:
      return "OPENDIR";
    case Opcode::READDIR:
      return "READDIR";
    case Opcode::RELEASEDIR:
      return "RELEASEDIR";
    case Opcode::FSYNCDIR:
      return "FSYNCDIR";
    case Opcode::GETLK:
      return "GETLK";
    case Opcode::SETLK:
      return "SETLK";
    case Opcode::SETLKW:
      return "SETLKW";
    case Opcode::ACCESS:
      return "ACCESS";
    case Opcode::CREATE:
      return "CREATE";
    case Opcode::INTERRUPT:
      return "INTERRUPT";
    case Opcode::BMAP:
      return "BMAP";
    case Opcode::DESTROY:
      return "DESTROY";
    case Opcode::IOCTL:
      return "IOCTL";
    case Opcode::POLL:
      return "POLL";
    case Opcode::NOTIFY_REPLY:
      return "NOTIFY_REPLY";
    case Opcode::BATCH_FORGET:
      return "BATCH_FORGET";
    case Opcode::FALLOCATE:
      return "FALLOCATE";
    case Opcode::READDIRPLUS:
      return "READDIRPLUS";
    case Opcode::RENAME2:
      return "RENAME2";
    case Opcode::LSEEK:
      return "LSEEK";
    case Opcode::COPY_FILE_RANGE:
      return "COPY_FILE_RANGE";
    case Opcode::SETUPMAPPING:
      return "SETUPMAPPING";
    case Opcode::REMOVEMAPPING:
      return "REMOVEMAPPING";
    case Opcode::SYNCFS:
      return "SYNCFS";
    case Opcode::TMPFILE:
      return "TMPFILE";
    case Opcode::STATX:
      return "STATX";
    case Opcode::COPY_FILE_RANGE_64:
      return "COPY_FILE_RANGE_64";
    case Opcode::CUSE_INIT:
      return "CUSE_INIT";
  }
  // Opcodes come off the wire, so out-of-range values are expected here.
  return "UNKNOWN";
}

constexpr std::string_view notify_code_name(NotifyCode code) noexcept {
  switch (code) {
    case NotifyCode::POLL:
      return "POLL";
    case NotifyCode::INVAL_INODE:
      return "INVAL_INODE";
    case NotifyCode::INVAL_ENTRY:
      return "INVAL_ENTRY";
    case NotifyCode::STORE:
      return "STORE";
    case NotifyCode::RETRIEVE:
      return "RETRIEVE";
    case NotifyCode::DELETE:
      return "DELETE";
    case NotifyCode::RESEND:
      return "RESEND";
    case NotifyCode::INC_EPOCH:
      return "INC_EPOCH";
    case NotifyCode::PRUNE:
      return "PRUNE";
  }
  return "UNKNOWN";
}

static_assert(CUSE_INIT_BSWAP_RESERVED == 1048576u);
static_assert(FUSE_INIT_BSWAP_RESERVED == 436207616u);
static_assert(static_cast<uint32_t>(Opcode::INIT) == 26u);
static_assert(static_cast<uint32_t>(Opcode::CUSE_INIT) << 8 == CUSE_INIT_BSWAP_RESERVED);
static_assert(static_cast<uint32_t>(Opcode::INIT) << 24 == FUSE_INIT_BSWAP_RESERVED);
static_assert(opcode_name(Opcode::COPY_FILE_RANGE_64) == "COPY_FILE_RANGE_64");
static_assert(opcode_name(static_cast<Opcode>(7)) == "UNKNOWN");

}  // namespace uringfuse::abi
