// The reply objects: encode a body, hand it to the request's ReplyTarget exactly once,
// and answer EIO for a reply that is dropped unanswered.
#include "uringfuse/reply.hpp"

#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "abi/fuse_abi.hpp"
#include "dispatch/wire_encoding.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse {
namespace {

iovec iov_of(const void* p, std::size_t n) { return iovec{const_cast<void*>(p), n}; }

template <class T>
iovec iov_of(const T& value) {
  return iov_of(&value, sizeof value);
}

std::string_view op_name(std::uint32_t opcode) { return abi::opcode_name(static_cast<abi::Opcode>(opcode)); }

std::size_t total_size(std::span<const iovec> parts) {
  std::size_t n = 0;
  for (const auto& p : parts) n += p.iov_len;
  return n;
}

}  // namespace

ReplyBase::ReplyBase(ReplyBase&& other) noexcept : ctx_(other.ctx_) { other.ctx_.target = nullptr; }

ReplyBase::~ReplyBase() {
  if (!ctx_.target) return;
  log(LogLevel::err, "uringfuse: %.*s #%llu: reply %s; answering EIO",
      static_cast<int>(op_name(ctx_.opcode).size()), op_name(ctx_.opcode).data(),
      static_cast<unsigned long long>(ctx_.unique),
      std::uncaught_exceptions() > 0 ? "abandoned by an exception" : "dropped without an answer");
  deliver(-EIO, {});
}

void ReplyBase::error(int errnum) && { send_error(errnum); }

void ReplyBase::send_error(int errnum) {
  if (errnum <= 0 || errnum >= 512) {
    log(LogLevel::err, "uringfuse: %.*s #%llu: invalid errno %d; answering EIO",
        static_cast<int>(op_name(ctx_.opcode).size()), op_name(ctx_.opcode).data(),
        static_cast<unsigned long long>(ctx_.unique), errnum);
    errnum = EIO;
  }
  deliver(-errnum, {});  // the one place a positive errno becomes the wire's negative
}

void ReplyBase::send_body(std::span<const iovec> body) { deliver(0, body); }

void ReplyBase::deliver(int error, std::span<const iovec> body) noexcept {
  detail::ReplyTarget* target = std::exchange(ctx_.target, nullptr);
  if (!target) {
    log(LogLevel::err, "uringfuse: reply #%llu sent twice; ignored",
        static_cast<unsigned long long>(ctx_.unique));
    return;
  }
  if (ctx_.debug) {
    if (error)
      log(LogLevel::debug, "uringfuse: reply #%llu error %d (%s)",
          static_cast<unsigned long long>(ctx_.unique), error, std::strerror(-error));
    else
      log(LogLevel::debug, "uringfuse: reply #%llu ok, %zu bytes",
          static_cast<unsigned long long>(ctx_.unique), total_size(body));
  }
  target->send(ctx_.unique, error, body);
}

void ReplyEmpty::ok() && { send_body({}); }

void ReplyEntry::entry(const EntryParam& e) && {
  auto out = detail::to_wire_entry(e);
  iovec v = iov_of(out);
  send_body({&v, 1});
}

void ReplyEntry::negative(Timeout timeout) && {
  EntryParam e;
  e.entry_timeout = timeout;
  std::move(*this).entry(e);
}

void ReplyAttr::attr(const struct stat& st, Timeout timeout) && {
  abi::fuse_attr_out out{};
  auto t = detail::to_wire(timeout);
  out.attr_valid = t.sec;
  out.attr_valid_nsec = t.nsec;
  out.attr = detail::to_wire_attr(st);
  iovec v = iov_of(out);
  send_body({&v, 1});
}

void ReplyOpen::open(const OpenResult& result) && {
  auto out = detail::to_wire_open(result);
  iovec v = iov_of(out);
  send_body({&v, 1});
}

void ReplyStatfs::statfs(const struct statvfs& st) && {
  abi::fuse_statfs_out out{};
  out.st = detail::to_wire_statfs(st);
  iovec v = iov_of(out);
  send_body({&v, 1});
}

void ReplyData::bytes(std::span<const std::byte> data) && {
  iovec v = iov_of(data.data(), data.size());
  std::move(*this).iov({&v, 1});
}

void ReplyData::iov(std::span<const iovec> parts) && {
  std::size_t n = total_size(parts);
  if (n > max_size()) {
    log(LogLevel::err, "uringfuse: READ #%llu: %zu bytes exceed the %u the kernel asked for; answering EIO",
        static_cast<unsigned long long>(unique()), n, max_size());
    send_error(EIO);
    return;
  }
  send_body(parts);
}

ReplyDirectory::ReplyDirectory(const detail::ReplyContext& ctx)
    : ReplyBase(ctx), buffer_(ctx.max_size), writer_(buffer_) {}

bool ReplyDirectory::add(std::string_view name, Ino ino, mode_t mode, std::uint64_t next_offset) {
  return writer_.add(name, ino, mode, next_offset);
}

void ReplyDirectory::done() && {
  iovec v = iov_of(buffer_.data(), writer_.used());
  send_body({&v, 1});
}

ReplyDirectoryPlus::ReplyDirectoryPlus(const detail::ReplyContext& ctx)
    : ReplyBase(ctx), buffer_(ctx.max_size), writer_(buffer_) {}

bool ReplyDirectoryPlus::add(std::string_view name, const EntryParam& entry,
                             std::uint64_t next_offset) {
  return writer_.add_plus(name, entry, next_offset);
}

void ReplyDirectoryPlus::done() && {
  iovec v = iov_of(buffer_.data(), writer_.used());
  send_body({&v, 1});
}

}  // namespace uringfuse
