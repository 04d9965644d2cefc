#include "core/debug_trace.hpp"

#include <algorithm>
#include <cstring>

#include "abi/fuse_abi.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

constexpr std::size_t kOutHeader = sizeof(abi::fuse_out_header);

}  // namespace

void print_request(Trace trace, const ParsedRequest& p, std::string_view via, std::size_t wire_size) {
  const auto& h = p.header;
  if (trace == Trace::libfuse) {
    // libfuse 3.19 names the transport first: "dev" for /dev/fuse, "cqe" for a ring.
    log(LogLevel::debug, "%s unique: %llu, opcode: %s (%u), nodeid: %llu, insize: %zu, pid: %u",
        via.starts_with("uring") ? "cqe" : "dev", static_cast<unsigned long long>(h.unique),
        p.traits->name.data(), h.opcode, static_cast<unsigned long long>(h.nodeid), wire_size, h.pid);
  } else if (trace == Trace::uringfuse) {
    log(LogLevel::debug, "uringfuse: req #%llu %s nodeid=%llu len=%u uid=%u gid=%u pid=%u via=%.*s%s%.*s",
        static_cast<unsigned long long>(h.unique), p.traits->name.data(),
        static_cast<unsigned long long>(h.nodeid), h.len, h.uid, h.gid, h.pid, static_cast<int>(via.size()),
        via.data(), p.names[0].empty() ? "" : " name=", static_cast<int>(p.names[0].size()),
        p.names[0].data());
  }
}

void print_reply(Trace trace, std::uint64_t unique, int error, std::size_t body_size) {
  const auto u = static_cast<unsigned long long>(unique);
  if (trace == Trace::libfuse) {
    // outsize counts the header, as the kernel sees the message.
    if (error)
      log(LogLevel::debug, "   unique: %llu, error: %d (%s), outsize: %zu", u, error, std::strerror(-error),
          kOutHeader);
    else
      log(LogLevel::debug, "   unique: %llu, success, outsize: %zu", u, kOutHeader + body_size);
  } else if (trace == Trace::uringfuse) {
    if (error)
      log(LogLevel::debug, "uringfuse: reply #%llu error %d (%s)", u, error, std::strerror(-error));
    else
      log(LogLevel::debug, "uringfuse: reply #%llu ok, %zu bytes", u, body_size);
  }
}

void print_reply_from_file(Trace trace, std::uint64_t unique, int fd, std::size_t size, long long offset) {
  if (trace == Trace::libfuse)  // the size asked for, as libfuse prints a spliced reply
    log(LogLevel::debug, "   unique: %llu, success, outsize: %zu", static_cast<unsigned long long>(unique),
        kOutHeader + size);
  else if (trace == Trace::uringfuse)
    log(LogLevel::debug, "uringfuse: reply #%llu from fd %d, %zu bytes at %lld",
        static_cast<unsigned long long>(unique), fd, size, offset);
}

void print_init(Trace trace, std::span<const std::byte> init_in, const InitOutcome& o) {
  if (trace == Trace::uringfuse) {
    log(LogLevel::debug, "uringfuse: INIT 7.%u, capabilities 0x%llx, max_write %u", o.minor,
        static_cast<unsigned long long>(o.negotiated), o.max_write);
    return;
  }
  if (trace != Trace::libfuse) return;
  abi::fuse_init_in in{};
  std::memcpy(&in, init_in.data(), std::min(init_in.size(), sizeof in));
  log(LogLevel::debug, "INIT: %u.%u", in.major, in.minor);
  log(LogLevel::debug, "flags=0x%08x", in.flags);
  log(LogLevel::debug, "max_readahead=0x%08x", in.max_readahead);
  const auto& out = o.reply;
  log(LogLevel::debug, "   INIT: %u.%u", out.major, out.minor);
  log(LogLevel::debug, "   flags=0x%08x", out.flags);
  log(LogLevel::debug, "   max_readahead=0x%08x", out.max_readahead);
  log(LogLevel::debug, "   max_write=0x%08x", out.max_write);
  log(LogLevel::debug, "   max_background=%i", out.max_background);
  log(LogLevel::debug, "   congestion_threshold=%i", out.congestion_threshold);
  log(LogLevel::debug, "   time_gran=%u", out.time_gran);
}

}  // namespace uringfuse::detail
