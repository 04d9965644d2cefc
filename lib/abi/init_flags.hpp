// FUSE protocol 7.45 INIT capability bits (fuse_init_in/fuse_init_out), as one
// 64-bit set: bits 0..31 travel in `flags`, bits 32..63 in `flags2` (the
// latter only when INIT_EXT is set).  Per-request flags live in op_flags.hpp.
#pragma once

#include <cstdint>

namespace uringfuse::abi {

namespace init_flag {
inline constexpr uint64_t ASYNC_READ = 1ull << 0;
inline constexpr uint64_t POSIX_LOCKS = 1ull << 1;
inline constexpr uint64_t FILE_OPS = 1ull << 2;
inline constexpr uint64_t ATOMIC_O_TRUNC = 1ull << 3;
inline constexpr uint64_t EXPORT_SUPPORT = 1ull << 4;
inline constexpr uint64_t BIG_WRITES = 1ull << 5;
inline constexpr uint64_t DONT_MASK = 1ull << 6;
inline constexpr uint64_t SPLICE_WRITE = 1ull << 7;
inline constexpr uint64_t SPLICE_MOVE = 1ull << 8;
inline constexpr uint64_t SPLICE_READ = 1ull << 9;
inline constexpr uint64_t FLOCK_LOCKS = 1ull << 10;
inline constexpr uint64_t HAS_IOCTL_DIR = 1ull << 11;
inline constexpr uint64_t AUTO_INVAL_DATA = 1ull << 12;
inline constexpr uint64_t DO_READDIRPLUS = 1ull << 13;
inline constexpr uint64_t READDIRPLUS_AUTO = 1ull << 14;
inline constexpr uint64_t ASYNC_DIO = 1ull << 15;
inline constexpr uint64_t WRITEBACK_CACHE = 1ull << 16;
inline constexpr uint64_t NO_OPEN_SUPPORT = 1ull << 17;
inline constexpr uint64_t PARALLEL_DIROPS = 1ull << 18;
inline constexpr uint64_t HANDLE_KILLPRIV = 1ull << 19;
inline constexpr uint64_t POSIX_ACL = 1ull << 20;
inline constexpr uint64_t ABORT_ERROR = 1ull << 21;
inline constexpr uint64_t MAX_PAGES = 1ull << 22;  // init_out.max_pages is valid
inline constexpr uint64_t CACHE_SYMLINKS = 1ull << 23;
inline constexpr uint64_t NO_OPENDIR_SUPPORT = 1ull << 24;
inline constexpr uint64_t EXPLICIT_INVAL_DATA = 1ull << 25;
inline constexpr uint64_t MAP_ALIGNMENT = 1ull << 26;  // init_out.map_alignment is valid
inline constexpr uint64_t SUBMOUNTS = 1ull << 27;
inline constexpr uint64_t HANDLE_KILLPRIV_V2 = 1ull << 28;
inline constexpr uint64_t SETXATTR_EXT = 1ull << 29;   // long fuse_setxattr_in
inline constexpr uint64_t INIT_EXT = 1ull << 30;       // flags2 is valid
inline constexpr uint64_t INIT_RESERVED = 1ull << 31;  // must not be used
// Bits from here on are carried in flags2.
inline constexpr uint64_t SECURITY_CTX = 1ull << 32;
inline constexpr uint64_t HAS_INODE_DAX = 1ull << 33;
inline constexpr uint64_t CREATE_SUPP_GROUP = 1ull << 34;
inline constexpr uint64_t HAS_EXPIRE_ONLY = 1ull << 35;
inline constexpr uint64_t DIRECT_IO_ALLOW_MMAP = 1ull << 36;
inline constexpr uint64_t DIRECT_IO_RELAX = DIRECT_IO_ALLOW_MMAP;  // old name
inline constexpr uint64_t PASSTHROUGH = 1ull << 37;  // init_out.max_stack_depth is valid
inline constexpr uint64_t NO_EXPORT_SUPPORT = 1ull << 38;
inline constexpr uint64_t HAS_RESEND = 1ull << 39;
inline constexpr uint64_t ALLOW_IDMAP = 1ull << 40;
inline constexpr uint64_t OVER_IO_URING = 1ull << 41;
inline constexpr uint64_t REQUEST_TIMEOUT = 1ull << 42;  // init_out.request_timeout is valid

// Every bit protocol 7.45 defines except INIT_RESERVED.
inline constexpr uint64_t KNOWN_MASK = ((1ull << 43) - 1) & ~INIT_RESERVED;
}  // namespace init_flag

// The two 32-bit words of an INIT message.
struct InitFlagWords {
  uint32_t flags;
  uint32_t flags2;
};

constexpr uint64_t join_flags(uint32_t flags, uint32_t flags2) noexcept {
  return (static_cast<uint64_t>(flags2) << 32) | flags;
}

constexpr uint32_t flags_low_word(uint64_t all) noexcept {
  return static_cast<uint32_t>(all & 0xffffffffull);
}

constexpr uint32_t flags_high_word(uint64_t all) noexcept {
  return static_cast<uint32_t>(all >> 32);
}

constexpr InitFlagWords split_flags(uint64_t all) noexcept {
  return InitFlagWords{flags_low_word(all), flags_high_word(all)};
}

static_assert(init_flag::OVER_IO_URING == 1ull << (32 + 9));
static_assert(join_flags(flags_low_word(init_flag::KNOWN_MASK),
                         flags_high_word(init_flag::KNOWN_MASK)) == init_flag::KNOWN_MASK);
static_assert(split_flags(init_flag::INIT_EXT | init_flag::OVER_IO_URING).flags == 1u << 30);
static_assert(split_flags(init_flag::INIT_EXT | init_flag::OVER_IO_URING).flags2 == 1u << 9);

}  // namespace uringfuse::abi
