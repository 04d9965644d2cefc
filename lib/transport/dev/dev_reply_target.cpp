// One writev per reply. ENOENT means the kernel no longer waits for this request
// (interrupted or aborted): normal, not an error.
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
}  // namespace

void DevReplyTarget::send(std::uint64_t unique, int error, std::span<const iovec> body) noexcept {
  if (body.size() > kMaxReplyParts) {
    log(LogLevel::err, "uringfuse: reply #%llu has %zu parts (at most %zu); answering EIO",
        static_cast<unsigned long long>(unique), body.size(), kMaxReplyParts);
    return send(unique, -EIO, {});
  }
  int err = write_message(unique, error, body);
  if (err && err != ENOENT && err != ENODEV)
    log(LogLevel::err, "uringfuse: writing reply #%llu to /dev/fuse: %s",
        static_cast<unsigned long long>(unique), std::strerror(err));
}

int DevReplyTarget::notify(int code, std::span<const iovec> body) noexcept {
  if (body.size() > kMaxReplyParts) return EINVAL;
  return write_message(0, code, body);
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
  return n < 0 ? errno : 0;
}

}  // namespace uringfuse::detail
