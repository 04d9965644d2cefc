// The plain way to answer from a file: read into memory, then send. Transports that
// can do better (io_uring) override ReplyTarget::send_file.
#include "uringfuse/reply_target.hpp"

#include <unistd.h>

#include <cerrno>
#include <vector>

namespace uringfuse {

int ReplyTarget::send_file(std::uint64_t unique, int fd, off_t offset, std::size_t size) noexcept {
  // The lent buffer when there is one; otherwise this thread's own, grown once to the
  // largest read rather than allocated per request.
  thread_local std::vector<std::byte> own;
  std::span<std::byte> buffer = reply_buffer();
  if (buffer.size() < size) {
    try {
      if (own.size() < size) own.resize(size);
    } catch (const std::bad_alloc&) {
      return send(unique, -ENOMEM, {});
    }
    buffer = own;
  }
  // A short answer means end of file to the kernel, so read until it really is one.
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, buffer.data() + got, size - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && got == 0) return send(unique, -errno, {});
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  iovec body{buffer.data(), got};
  return send(unique, 0, {&body, 1});
}

}  // namespace uringfuse
