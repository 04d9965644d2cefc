// The reply objects: encode a body, hand it to the request's ReplyTarget exactly once,
// and answer EIO for a reply that is dropped unanswered.
#include "uringfuse/reply.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "abi/fuse_abi.hpp"
#include "core/debug_trace.hpp"
#include "core/request_slot.hpp"
#include "core/reply_gate.hpp"
#include "core/wire_encoding.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse {
namespace {

iovec iov_of(const void* p, std::size_t n) { return iovec{const_cast<void*>(p), n}; }

template <class T>
iovec iov_of(const T& value) {
  return iov_of(&value, sizeof value);
}

// Opcode names are literals, so data() is NUL-terminated.
const char* opcode_name_of(std::uint32_t opcode) {
  return abi::opcode_name(static_cast<abi::Opcode>(opcode)).data();
}

std::size_t total_size(std::span<const iovec> parts) {
  std::size_t n = 0;
  for (const auto& p : parts) n += p.iov_len;
  return n;
}

}  // namespace

ReplyBase::ReplyBase(RequestSlot& slot) noexcept : slot_(&slot) { slot.hold(); }

ReplyBase::ReplyBase(ReplyBase&& other) noexcept
    : slot_(std::exchange(other.slot_, nullptr)),
      sent_unique_(other.sent_unique_),
      sent_opcode_(other.sent_opcode_),
      send_status_(other.send_status_) {}

ReplyBase::~ReplyBase() {
  if (!slot_) return;
  log(LogLevel::err, "uringfuse: %s #%llu: reply %s; answering EIO", opcode_name_of(slot_->opcode),
      static_cast<unsigned long long>(slot_->unique),
      std::uncaught_exceptions() > 0 ? "abandoned by an exception" : "dropped without an answer");
  deliver(-EIO, {});
}

std::uint64_t ReplyBase::unique() const noexcept { return slot_ ? slot_->unique : sent_unique_; }
std::uint32_t ReplyBase::max_size() const noexcept { return slot_ ? slot_->max_size : 0; }
std::uint32_t ReplyBase::opcode() const noexcept { return slot_ ? slot_->opcode : sent_opcode_; }

void ReplyBase::error(int errnum) && { send_error(errnum); }

void ReplyBase::send_error(int errnum) {
  if (errnum <= 0 || errnum >= 512) {
    log(LogLevel::err, "uringfuse: %s #%llu: invalid errno %d; answering EIO", opcode_name_of(opcode()),
        static_cast<unsigned long long>(unique()), errnum);
    errnum = EIO;
  }
  deliver(-errnum, {});  // the one place a positive errno becomes the wire's negative
}

void ReplyBase::send_body(std::span<const iovec> body) { deliver(0, body); }

// More than the kernel asked for is a filesystem bug: fail the request with EIO and
// say so, rather than let the kernel reject (or cut) the reply.
void ReplyBase::send_within_limit(std::span<const iovec> body) {
  std::size_t n = total_size(body);
  if (n <= max_size()) return send_body(body);
  log(LogLevel::err, "uringfuse: %s #%llu: %zu bytes exceed the %u the kernel asked for; answering EIO",
      opcode_name_of(opcode()), static_cast<unsigned long long>(unique()), n, max_size());
  send_error(EIO);
}

RequestSlot* ReplyBase::take_slot() noexcept {
  RequestSlot* slot = std::exchange(slot_, nullptr);
  if (!slot) {
    log(LogLevel::err, "uringfuse: %s #%llu: reply sent twice; ignored", opcode_name_of(sent_opcode_),
        static_cast<unsigned long long>(sent_unique_));
    return nullptr;
  }
  sent_unique_ = slot->unique;
  sent_opcode_ = slot->opcode;
  return slot;
}

namespace {

// The one way out of a reply: through the slot's target while the session lives (then
// the slot leaves its interrupt table and is let go), or, once the session is gone
// with its targets and interrupt tables, nothing sent (-ENODEV) and the slot (which
// outlives the session) let go without touching the table. Returns what the target's
// send did.
template <class Send>
int send_through(RequestSlot* slot, Send&& send) noexcept {
  detail::GatePass pass(slot->gate);
  if (!pass) {
    log(LogLevel::notice, "uringfuse: %s #%llu: answered after its session ended; nothing sent",
        opcode_name_of(slot->opcode), static_cast<unsigned long long>(slot->unique));
    slot->table = nullptr;
    slot->release();
    return -ENODEV;
  }
  int status = send(*slot->target);
  detail::slot_replied(slot);
  return status;
}

}  // namespace

void ReplyBase::deliver(int error, std::span<const iovec> body) noexcept {
  RequestSlot* slot = take_slot();
  if (!slot) return;
  send_status_ = send_through(slot, [&](ReplyTarget& target) noexcept {
    if (slot->trace != detail::Trace::off) trace_reply(slot->trace, slot->unique, error, total_size(body));
    return target.send(slot->unique, error, body);
  });
}

void ReplyBase::send_file(int fd, off_t offset, std::size_t size) {
  RequestSlot* slot = take_slot();
  if (!slot) return;
  send_status_ = send_through(slot, [&](ReplyTarget& target) noexcept {
    trace_reply_from_file(slot->trace, slot->unique, fd, size, static_cast<long long>(offset));
    return target.send_file(slot->unique, fd, offset, size);
  });
}

std::span<std::byte> ReplyBase::lent_buffer() const noexcept {
  if (!slot_) return {};
  detail::GatePass pass(slot_->gate);
  return pass ? slot_->target->reply_buffer() : std::span<std::byte>{};
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

void ReplyData::iov(std::span<const iovec> parts) && { send_within_limit(parts); }

void ReplyData::from_file(int fd, off_t offset, std::size_t size) && {
  if (offset < 0) return send_error(EINVAL);
  send_file(fd, offset, std::min<std::size_t>(size, max_size()));
}

std::span<std::byte> ReplyData::buffer() {
  if (!pending()) return {};
  if (auto lent = lent_buffer(); lent.size() >= max_size()) return lent.first(max_size());
  own_.resize(max_size());
  return own_;
}

void ReplyData::commit(std::size_t n) && {
  auto buf = buffer();
  if (n > buf.size()) {
    log(LogLevel::err, "uringfuse: READ #%llu: commit of %zu bytes exceeds the %zu-byte buffer; answering EIO",
        static_cast<unsigned long long>(unique()), n, buf.size());
    return send_error(EIO);
  }
  iovec v = iov_of(buf.data(), n);
  send_body({&v, 1});
}

ReplyDirectory::ReplyDirectory(RequestSlot& slot)
    : ReplyBase(slot), buffer_(slot.max_size), writer_(buffer_) {}

bool ReplyDirectory::add(std::string_view name, Ino ino, mode_t mode, std::uint64_t next_offset) {
  return writer_.add(name, ino, mode, next_offset);
}

void ReplyDirectory::done() && {
  iovec v = iov_of(buffer_.data(), writer_.used());
  send_body({&v, 1});
}

void ReplyDirectory::formatted(std::span<const std::byte> records) && {
  iovec v = iov_of(records.data(), records.size());
  send_within_limit({&v, 1});
}

void ReplyDirectoryPlus::formatted(std::span<const std::byte> records) && {
  iovec v = iov_of(records.data(), records.size());
  send_within_limit({&v, 1});
}

ReplyDirectoryPlus::ReplyDirectoryPlus(RequestSlot& slot)
    : ReplyBase(slot), buffer_(slot.max_size), writer_(buffer_) {}

bool ReplyDirectoryPlus::add(std::string_view name, const EntryParam& entry,
                             std::uint64_t next_offset) {
  return writer_.add_plus(name, entry, next_offset);
}

void ReplyDirectoryPlus::done() && {
  iovec v = iov_of(buffer_.data(), writer_.used());
  send_body({&v, 1});
}

template <class T>
void ReplyBase::send_struct(const T& value) {
  iovec v = iov_of(value);
  send_body({&v, 1});
}

void ReplyCreate::created(const EntryParam& entry, const OpenResult& open) && {
  auto e = detail::to_wire_entry(entry);
  auto o = detail::to_wire_open(open);
  iovec v[2] = {iov_of(e), iov_of(o)};
  send_body(v);
}

// COPY_FILE_RANGE_64 counts in 64 bits; WRITE and COPY_FILE_RANGE in 32.
void ReplyWrite::written(std::uint64_t count) && {
  if (opcode() == static_cast<std::uint32_t>(abi::Opcode::COPY_FILE_RANGE_64))
    return send_struct(abi::fuse_copy_file_range_out{count});
  if (count > UINT32_MAX) {
    log(LogLevel::err, "uringfuse: %s #%llu: %llu bytes do not fit the reply; answering EIO",
        opcode_name_of(opcode()), static_cast<unsigned long long>(unique()),
        static_cast<unsigned long long>(count));
    return send_error(EIO);
  }
  send_struct(abi::fuse_write_out{static_cast<std::uint32_t>(count), 0});
}

void ReplyReadlink::target(std::string_view link) && {
  iovec v = iov_of(link.data(), link.size());
  send_body({&v, 1});
}

void ReplyXattr::value(std::span<const std::byte> data) && {
  if (max_size() == 0) return std::move(*this).size(static_cast<std::uint32_t>(data.size()));
  if (data.size() > max_size()) return send_error(ERANGE);
  iovec v = iov_of(data.data(), data.size());
  send_body({&v, 1});
}

// Only a size probe may be answered with a size; anything else would hand the kernel
// eight bytes of struct as the attribute's value.
void ReplyXattr::size(std::uint32_t bytes) && {
  if (max_size() != 0) {
    log(LogLevel::err, "uringfuse: xattr #%llu: size() answers only a size probe; answering EIO",
        static_cast<unsigned long long>(unique()));
    return send_error(EIO);
  }
  send_struct(abi::fuse_getxattr_out{bytes, 0});
}

void ReplyLock::lock(const FileLock& conflicting) && {
  send_struct(abi::fuse_lk_out{detail::to_wire_lock(conflicting)});
}

void ReplyBmap::block(std::uint64_t device_block) && { send_struct(abi::fuse_bmap_out{device_block}); }

void ReplyIoctl::result(std::int32_t result, std::span<const std::byte> out) && {
  if (out.size() > max_size()) {
    log(LogLevel::err, "uringfuse: IOCTL #%llu: %zu output bytes exceed out_size %u; answering EIO",
        static_cast<unsigned long long>(unique()), out.size(), max_size());
    return send_error(EIO);
  }
  abi::fuse_ioctl_out head{};
  head.result = result;
  iovec v[2] = {iov_of(head), iov_of(out.data(), out.size())};
  send_body(v);
}

void ReplyIoctl::retry(std::span<const IoctlIovec> in, std::span<const IoctlIovec> out) && {
  abi::fuse_ioctl_out head{};
  head.flags = abi::ioctl_flag::RETRY;
  head.in_iovs = static_cast<std::uint32_t>(in.size());
  head.out_iovs = static_cast<std::uint32_t>(out.size());
  if (in.size() > abi::ioctl_flag::MAX_IOV || out.size() > abi::ioctl_flag::MAX_IOV)
    return send_error(ENOMEM);
  static_assert(sizeof(IoctlIovec) == sizeof(abi::fuse_ioctl_iovec));
  iovec v[3] = {iov_of(head), iov_of(in.data(), in.size_bytes()), iov_of(out.data(), out.size_bytes())};
  send_body(v);
}

void ReplyPoll::ready(std::uint32_t revents) && { send_struct(abi::fuse_poll_out{revents, 0}); }

void ReplyLseek::offset(std::uint64_t off) && { send_struct(abi::fuse_lseek_out{off}); }

void ReplyStatx::statx(const struct statx& st, Timeout timeout) && {
  abi::fuse_statx_out out{};
  auto t = detail::to_wire(timeout);
  out.attr_valid = t.sec;
  out.attr_valid_nsec = t.nsec;
  out.stat = detail::to_wire_statx(st);
  send_struct(out);
}

}  // namespace uringfuse
