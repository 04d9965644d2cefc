// Plain value types shared by the whole C++ API: inode numbers, cache timeouts,
// and what a lookup or open hands back to the kernel.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <sys/stat.h>

#include <chrono>
#include <cstdint>

namespace uringfuse {

using Ino = std::uint64_t;
inline constexpr Ino kRootIno = 1;

// Cache validity as the kernel understands it: seconds with a fraction.
using Timeout = std::chrono::duration<double>;

// The answer to LOOKUP (and later MKDIR, CREATE, ...): which inode a name refers to,
// its attributes, and how long the kernel may cache each. Every entry with ino != 0
// counts as one lookup the kernel will later FORGET.
struct EntryParam {
  Ino ino = 0;
  std::uint64_t generation = 0;
  struct stat attr {};
  Timeout attr_timeout{0};
  Timeout entry_timeout{0};
};

// What an open or opendir handler returns: the handle the kernel echoes back in later
// requests, and the FOPEN_* behaviours it asks for.
struct OpenResult {
  std::uint64_t fh = 0;
  bool direct_io = false;
  bool keep_cache = false;
  bool cache_dir = false;
  bool nonseekable = false;
  bool stream = false;
  bool noflush = false;
  bool parallel_direct_writes = false;
  // FUSE passthrough: an id from Notifier::backing_open(); reads and writes then go
  // to that file in the kernel, bypassing the daemon. 0 = none. keep_cache is
  // dropped on such opens (the kernel refuses the combination).
  std::int32_t backing_id = 0;
};

// One element of an unrestricted ioctl's retry request: a range of the caller's memory.
struct IoctlIovec {
  std::uint64_t base = 0;
  std::uint64_t len = 0;
};

}  // namespace uringfuse
