// The typed arguments of requests, as handlers see them: decoded from the kernel's
// structs so that handlers never touch protocol bytes.
#pragma once

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
