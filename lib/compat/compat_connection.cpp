// Capabilities and connection flags of the C API. libfuse numbers a few FUSE_CAP_*
// bits differently from the kernel's INIT bits, so both directions go through one
// table.
#include <array>

#include "compat/compat_types.hpp"
#include "uringfuse/capability.hpp"

namespace uringfuse::compat {
namespace {

struct CapPair {
  std::uint64_t cap;
  Capability kernel;
};

constexpr std::array<CapPair, 31> kCaps{{
    {FUSE_CAP_ASYNC_READ, Capability::async_read},
    {FUSE_CAP_POSIX_LOCKS, Capability::posix_locks},
    {FUSE_CAP_ATOMIC_O_TRUNC, Capability::atomic_o_trunc},
    {FUSE_CAP_EXPORT_SUPPORT, Capability::export_support},
    {FUSE_CAP_DONT_MASK, Capability::dont_mask},
    {FUSE_CAP_FLOCK_LOCKS, Capability::flock_locks},
    {FUSE_CAP_IOCTL_DIR, Capability::ioctl_dir},
    {FUSE_CAP_AUTO_INVAL_DATA, Capability::auto_inval_data},
    {FUSE_CAP_READDIRPLUS, Capability::readdirplus},
    {FUSE_CAP_READDIRPLUS_AUTO, Capability::readdirplus_auto},
    {FUSE_CAP_ASYNC_DIO, Capability::async_dio},
    {FUSE_CAP_WRITEBACK_CACHE, Capability::writeback_cache},
    {FUSE_CAP_NO_OPEN_SUPPORT, Capability::no_open_support},
    {FUSE_CAP_PARALLEL_DIROPS, Capability::parallel_dirops},
    {FUSE_CAP_POSIX_ACL, Capability::posix_acl},
    {FUSE_CAP_HANDLE_KILLPRIV, Capability::handle_killpriv},
    {FUSE_CAP_HANDLE_KILLPRIV_V2, Capability::handle_killpriv_v2},
    {FUSE_CAP_CACHE_SYMLINKS, Capability::cache_symlinks},
    {FUSE_CAP_NO_OPENDIR_SUPPORT, Capability::no_opendir_support},
    {FUSE_CAP_EXPLICIT_INVAL_DATA, Capability::explicit_inval_data},
    {FUSE_CAP_EXPIRE_ONLY, Capability::expire_only},
    {FUSE_CAP_SETXATTR_EXT, Capability::setxattr_ext},
    {FUSE_CAP_DIRECT_IO_ALLOW_MMAP, Capability::direct_io_allow_mmap},
    {FUSE_CAP_PASSTHROUGH, Capability::passthrough},
    {FUSE_CAP_NO_EXPORT_SUPPORT, Capability::no_export_support},
    {FUSE_CAP_OVER_IO_URING, Capability::over_io_uring},
    {FUSE_CAP_ALLOW_IDMAP, Capability::allow_idmap},
    {FUSE_CAP_SECURITY_CTX, Capability::security_ctx},
    // Protocol-level flags the library always handles itself.
    {0, Capability::big_writes},
    {0, Capability::max_pages},
    {0, Capability::init_ext},
}};

}  // namespace

std::uint64_t caps_from_kernel(std::uint64_t kernel_bits) {
  std::uint64_t caps = 0;
  for (const auto& p : kCaps)
    if (kernel_bits & bit(p.kernel)) caps |= p.cap;
  return caps;
}

std::uint64_t kernel_from_caps(std::uint64_t caps) {
  std::uint64_t bits = 0;
  for (const auto& p : kCaps)
    if (p.cap ? (caps & p.cap) : true) bits |= bit(p.kernel);
  return bits;
}

}  // namespace uringfuse::compat

extern "C" {

bool fuse_set_feature_flag(fuse_conn_info* conn, uint64_t flag) {
  if (!(conn->capable_ext & flag)) return false;
  conn->want_ext |= flag;
  conn->want = static_cast<std::uint32_t>(conn->want_ext);
  return true;
}

void fuse_unset_feature_flag(fuse_conn_info* conn, uint64_t flag) {
  conn->want_ext &= ~flag;
  conn->want = static_cast<std::uint32_t>(conn->want_ext);
}

bool fuse_get_feature_flag(const fuse_conn_info* conn, uint64_t flag) { return (conn->capable_ext & flag) != 0; }

bool fuse_set_conn_flag(fuse_conn_info* conn, uint64_t flag) {
  if (flag == FUSE_CONN_FLAG_SINGLE_ISSUER) {
    conn->io_uring_single_issuer = 1;
  } else if (flag == FUSE_CONN_FLAG_NO_INTERRUPT) {
    conn->no_interrupt = 1;
  } else {
    return false;
  }
  return true;
}

int fuse_convert_to_conn_want_ext(fuse_conn_info* conn) {
  conn->want_ext = (conn->want_ext & ~std::uint64_t{0xffffffff}) | conn->want;
  return 0;
}

fuse_loop_config* fuse_loop_cfg_create(void) { return new fuse_loop_config; }
void fuse_loop_cfg_destroy(fuse_loop_config* c) { delete c; }
void fuse_loop_cfg_set_idle_threads(fuse_loop_config* c, unsigned int v) { c->max_idle_threads = v; }
void fuse_loop_cfg_set_max_threads(fuse_loop_config* c, unsigned int v) { c->max_threads = v; }
void fuse_loop_cfg_set_clone_fd(fuse_loop_config* c, unsigned int v) { c->clone_fd = static_cast<int>(v); }
void fuse_loop_cfg_convert(fuse_loop_config* c, const fuse_loop_config_v1* v1) {
  c->clone_fd = v1->clone_fd;
  c->max_idle_threads = v1->max_idle_threads;
}

// Weak: the libfuse.so.2 drop-in links this file too and answers 2.9 in its place.
__attribute__((weak)) int fuse_version(void) { return FUSE_VERSION; }
const char* fuse_pkgversion(void) { return "3.19.0 (uringfuse)"; }

}  // extern "C"
