// Connection capabilities negotiated in INIT. Each value is the kernel's INIT flag bit
// (bits 32 and up are the kernel's flags2), so a ConnectionInfo mask is exactly what
// travels on the wire.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <cstdint>

namespace uringfuse {

enum class Capability : std::uint64_t {
  async_read = 1ull << 0,
  posix_locks = 1ull << 1,
  atomic_o_trunc = 1ull << 3,
  export_support = 1ull << 4,
  big_writes = 1ull << 5,
  dont_mask = 1ull << 6,
  flock_locks = 1ull << 10,
  ioctl_dir = 1ull << 11,
  auto_inval_data = 1ull << 12,
  readdirplus = 1ull << 13,
  readdirplus_auto = 1ull << 14,
  async_dio = 1ull << 15,
  writeback_cache = 1ull << 16,
  no_open_support = 1ull << 17,
  parallel_dirops = 1ull << 18,
  handle_killpriv = 1ull << 19,
  posix_acl = 1ull << 20,
  abort_error = 1ull << 21,
  max_pages = 1ull << 22,
  cache_symlinks = 1ull << 23,
  no_opendir_support = 1ull << 24,
  explicit_inval_data = 1ull << 25,
  submounts = 1ull << 27,
  handle_killpriv_v2 = 1ull << 28,
  setxattr_ext = 1ull << 29,
  init_ext = 1ull << 30,
  security_ctx = 1ull << 32,
  create_supp_group = 1ull << 34,
  expire_only = 1ull << 35,
  direct_io_allow_mmap = 1ull << 36,
  passthrough = 1ull << 37,
  no_export_support = 1ull << 38,
  has_resend = 1ull << 39,
  allow_idmap = 1ull << 40,
  over_io_uring = 1ull << 41,
  request_timeout = 1ull << 42,
};

constexpr std::uint64_t bit(Capability c) { return static_cast<std::uint64_t>(c); }

}  // namespace uringfuse
