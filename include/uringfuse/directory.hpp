// Builders for the kernel's directory listing format (READDIR and READDIRPLUS bodies),
// writing into a caller-owned buffer. Reply objects use them; so can anyone who
// prepares listings ahead of time (the C API's fuse_add_direntry does).
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "uringfuse/types.hpp"

namespace uringfuse {

class DirentWriter {
 public:
  DirentWriter() = default;
  explicit DirentWriter(std::span<std::byte> buffer) : buffer_(buffer) {}

  // Bytes one entry takes, padded as the kernel requires.
  static std::size_t entry_size(std::string_view name);
  static std::size_t entry_plus_size(std::string_view name);

  // Append one entry; false (and nothing written) when it does not fit or the name is
  // empty, too long, or contains '/' or NUL. `mode` needs only its S_IFMT bits.
  bool add(std::string_view name, Ino ino, mode_t mode, std::uint64_t next_offset);
  bool add_plus(std::string_view name, const EntryParam& entry, std::uint64_t next_offset);

  std::size_t used() const { return used_; }
  std::span<const std::byte> bytes() const { return buffer_.first(used_); }

 private:
  std::span<std::byte> buffer_;
  std::size_t used_ = 0;
};

}  // namespace uringfuse
