// One writev per reply. ENOENT means the kernel no longer waits for this request
// (interrupted or aborted) and ENODEV that the connection is gone: both normal, not
// errors. A short write is one: the kernel takes a message whole or not at all.
#include "transport/dev/dev_reply_target.hpp"

#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "abi/fuse_abi.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {
// Replies are built from a handful of parts; more is a bug in the caller.
constexpr std::size_t kMaxReplyParts = 16;
// write_message's answer for a short write, already logged there; never an errno.
constexpr int kShortWrite = -1;
}  // namespace

int DevReplyTarget::send(std::uint64_t unique, int error, std::span<const iovec> body) noexcept {
  if (body.size() > kMaxReplyParts) {
    log(LogLevel::err, "uringfuse: reply #%llu has %zu parts (at most %zu); answering EIO",
        static_cast<unsigned long long>(unique), body.size(), kMaxReplyParts);
    send(unique, -EIO, {});
    return -EINVAL;
  }
  int err = write_message(unique, error, body);
  if (!err && sent_) sent_->fetch_add(1, std::memory_order_relaxed);
  if (err == ENOENT)
    log(LogLevel::debug,
        "uringfuse: reply #%llu dropped by the kernel: the request was interrupted or aborted",
        static_cast<unsigned long long>(unique));
  else if (err == ENODEV)
    log(LogLevel::debug, "uringfuse: reply #%llu not sent: the connection has ended",
        static_cast<unsigned long long>(unique));
  else if (err && err != kShortWrite)
    log(LogLevel::err, "uringfuse: writing reply #%llu to /dev/fuse: %s",
        static_cast<unsigned long long>(unique), std::strerror(err));
  return err == kShortWrite ? -EIO : -err;
}

int DevReplyTarget::notify(int code, std::span<const iovec> body) noexcept {
  if (body.size() > kMaxReplyParts) return EINVAL;
  int err = write_message(0, code, body);
  return err == kShortWrite ? EIO : err;
}

int DevReplyTarget::write_message(std::uint64_t unique, int error,
                                  std::span<const iovec> body) noexcept {
  abi::fuse_out_header out{};
  out.error = error;
  out.unique = unique;
  std::array<iovec, kMaxReplyParts + 1> parts;
  std::size_t len = sizeof out;
  parts[0] = {&out, sizeof out};
  for (std::size_t i = 0; i < body.size(); ++i) {
    parts[i + 1] = body[i];
    len += body[i].iov_len;
  }
  out.len = static_cast<std::uint32_t>(len);
  ssize_t n;
  do {
    int count = static_cast<int>(body.size() + 1);
    n = writev_ ? writev_(fd_, parts.data(), count) : ::writev(fd_, parts.data(), count);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  if (static_cast<std::size_t>(n) != len) {
    // Only a transport of the caller's own can cut a message. Writing the rest would
    // reach the other end as a second, malformed message, so the reply is lost: say so.
    log(LogLevel::err, "uringfuse: short write of %s #%llu to /dev/fuse: %zd of %zu bytes",
        unique ? "reply" : "notification", static_cast<unsigned long long>(unique), n, len);
    return kShortWrite;
  }
  return 0;
}

}  // namespace uringfuse::detail
