// The INIT handshake's arithmetic: versions, the capability allow-list, limits.
#include "core/init_negotiation.hpp"

#include <algorithm>
#include <cerrno>
#include <exception>

#include "core/request_parser.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

constexpr std::uint64_t mask(std::initializer_list<Capability> caps) {
  std::uint64_t m = 0;
  for (auto c : caps) m |= bit(c);
  return m;
}

// Flags the kernel sends only to inform; they mean nothing in a reply.
constexpr std::uint64_t kInformational =
    mask({Capability::ioctl_dir, Capability::expire_only, Capability::has_resend});

// Without FUSE_MAX_PAGES the kernel caps a request at 32 pages.
constexpr std::uint32_t kLegacyMaxPages = 32;

// The reply's version half: newest minor we speak; the kernel takes the smaller.
void fill_version(abi::fuse_init_out& out) {
  out.major = abi::KERNEL_VERSION;
  out.minor = abi::KERNEL_MINOR_VERSION;
}

std::size_t reply_size_for(std::uint32_t minor) {
  if (minor < 5) return abi::COMPAT_INIT_OUT_SIZE;
  if (minor < 23) return abi::COMPAT_22_INIT_OUT_SIZE;
  return sizeof(abi::fuse_init_out);
}

bool run_init_hook(Filesystem& fs, ConnectionInfo& conn) {
  try {
    fs.init(conn);
    return true;
  } catch (const std::exception& e) {
    log(LogLevel::err, "uringfuse: the filesystem's init() refused the connection: %s", e.what());
  } catch (...) {
    log(LogLevel::err, "uringfuse: the filesystem's init() threw; refusing the connection");
  }
  return false;
}

void apply_limits(InitOutcome& o, const ConnectionInfo& conn, std::uint64_t capable,
                  std::uint32_t kernel_readahead, const InitLimits& limits) {
  auto& out = o.reply;
  auto page = static_cast<std::uint32_t>(limits.page_size);
  std::uint32_t max_write = std::max<std::uint32_t>(conn.max_write, page);
  if (!(o.negotiated & bit(Capability::max_pages)))
    max_write = std::min(max_write, kLegacyMaxPages * page);
  o.max_write = max_write;
  out.max_write = max_write;
  if (o.negotiated & bit(Capability::max_pages))
    out.max_pages = static_cast<std::uint16_t>(std::min<std::uint32_t>((max_write + page - 1) / page, 0xffff));
  o.max_pages = out.max_pages;
  out.max_readahead = std::min(conn.max_readahead, kernel_readahead);
  out.max_background = conn.max_background;
  out.congestion_threshold = conn.congestion_threshold
                                 ? conn.congestion_threshold
                                 : static_cast<std::uint16_t>(conn.max_background * 3 / 4);
  std::uint32_t gran = conn.time_gran;
  if (gran == 0 || gran > 1'000'000'000) gran = 1;
  out.time_gran = gran;
  if ((capable & bit(Capability::request_timeout)) && conn.request_timeout) {
    o.negotiated |= bit(Capability::request_timeout);
    out.request_timeout = conn.request_timeout;
  }
}

}  // namespace

std::uint64_t supported_capabilities(const InitLimits& limits) {
  std::uint64_t ring = limits.io_uring ? bit(Capability::over_io_uring) : 0;
  return ring | mask({Capability::async_read, Capability::atomic_o_trunc, Capability::export_support,
               Capability::big_writes, Capability::dont_mask, Capability::auto_inval_data,
               Capability::readdirplus, Capability::readdirplus_auto, Capability::async_dio,
               Capability::writeback_cache, Capability::no_open_support,
               Capability::parallel_dirops, Capability::handle_killpriv, Capability::posix_acl,
               Capability::abort_error, Capability::max_pages, Capability::cache_symlinks,
               Capability::no_opendir_support, Capability::explicit_inval_data,
               Capability::handle_killpriv_v2, Capability::init_ext,
               Capability::direct_io_allow_mmap, Capability::no_export_support,
               Capability::posix_locks, Capability::flock_locks, Capability::setxattr_ext,
               Capability::create_supp_group, Capability::passthrough}) |
         kInformational;
}

std::uint64_t default_capabilities(const OperationSet& ops, const InitLimits& limits) {
  std::uint64_t m = limits.io_uring ? bit(Capability::over_io_uring) : 0;
  m |= mask({Capability::async_read, Capability::atomic_o_trunc,
                          Capability::auto_inval_data, Capability::async_dio,
                          Capability::big_writes, Capability::max_pages, Capability::init_ext});
  if (ops.has(Operation::readdirplus)) m |= bit(Capability::readdirplus);
  if (ops.has(Operation::readdirplus) && ops.has(Operation::readdir))
    m |= bit(Capability::readdirplus_auto);
  if (ops.has(Operation::getlk) && ops.has(Operation::setlk)) m |= bit(Capability::posix_locks);
  if (ops.has(Operation::flock)) m |= bit(Capability::flock_locks);
  return m;
}

InitOutcome negotiate_init(std::span<const std::byte> init_in, Filesystem& fs,
                           const OperationSet& implemented, const InitLimits& limits,
                           Notifier* notifier) {
  InitOutcome o;
  auto in = read_struct<abi::fuse_init_in>(init_in);  // zero-filled past what was sent
  if (in.major < abi::KERNEL_VERSION) {
    log(LogLevel::err, "uringfuse: kernel FUSE protocol %u.%u is too old", in.major, in.minor);
    o.error = EPROTO;
    return o;
  }
  fill_version(o.reply);
  if (in.major > abi::KERNEL_VERSION) {  // the kernel downgrades and asks again
    o.expect_reinit = true;
    o.reply_size = abi::COMPAT_INIT_OUT_SIZE;
    return o;
  }
  if (in.minor < kMinKernelMinor) {
    log(LogLevel::err, "uringfuse: kernel FUSE protocol 7.%u is too old (need 7.%u)", in.minor,
        kMinKernelMinor);
    o.error = EPROTO;
    return o;
  }
  o.minor = std::min(in.minor, abi::KERNEL_MINOR_VERSION);
  bool ext = in.flags & abi::init_flag::INIT_EXT;
  std::uint64_t capable = abi::join_flags(in.flags, ext ? in.flags2 : 0);

  ConnectionInfo conn(abi::KERNEL_VERSION, o.minor, capable, supported_capabilities(limits),
                      default_capabilities(implemented, limits));
  conn.max_readahead = in.max_readahead;
  conn.max_read = limits.max_read;
  conn.set_notifier(notifier);
  o.capable = capable;
  if (!run_init_hook(fs, conn)) {
    o.error = EPROTO;
    return o;
  }
  o.negotiated = conn.want_mask() & capable & supported_capabilities(limits);
  apply_limits(o, conn, capable, in.max_readahead, limits);
  o.no_interrupt = conn.no_interrupt;
  if (o.negotiated & bit(Capability::passthrough))
    o.reply.max_stack_depth = conn.max_backing_stack_depth + 1;

  std::uint64_t reply_flags = o.negotiated & ~kInformational;
  o.reply.flags = abi::flags_low_word(reply_flags);
  if (ext) o.reply.flags2 = abi::flags_high_word(reply_flags);
  o.reply_size = reply_size_for(o.minor);
  return o;
}

}  // namespace uringfuse::detail
