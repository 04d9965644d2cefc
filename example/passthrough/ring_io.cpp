// Reads and writes of source files as coroutines: the operations go on the ring that
// carried the request, and the ring thread serves other requests while the source
// works. A disk-backed source then keeps many requests in flight on one thread.
#include <cerrno>
#include <chrono>

#include "passthrough_fs.hpp"

namespace passthrough {

namespace uf = uringfuse;

// Reads and writes of a local file are not interruptible in read(2)/write(2) either:
// an interrupt must not turn them into EINTR. The source I/O is therefore made
// uninterruptible. The --backend-wait stand-in for a slow server is cut short by an
// interrupt (the cancellation path is what the torture suite exercises), and the
// I/O then goes ahead.
uf::Task PassthroughFs::read_on_ring(uf::Io io, int fd, std::uint64_t offset, std::uint32_t size,
                                     uf::ReplyData reply) {
  if (options_.backend_wait_us > 0) co_await io.timeout(std::chrono::microseconds(options_.backend_wait_us));
  const uf::Io file_io = io.uninterruptible();
  // Straight into the reply's buffer: over io_uring the ring entry's payload.
  const auto buffer = reply.buffer().first(std::min<std::size_t>(size, reply.max_size()));
  std::size_t got = 0;
  while (got < buffer.size()) {  // short only at end of file, or a signal-like stop
    const int n = co_await file_io.read(fd, buffer.subspan(got), offset + got);
    if (n < 0 && got == 0) co_return std::move(reply).error(-n);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  std::move(reply).commit(got);
}

uf::Task PassthroughFs::write_on_ring(uf::Io io, int fd, std::uint64_t offset, std::span<const std::byte> data,
                                      uf::ReplyWrite reply) {
  if (options_.backend_wait_us > 0) co_await io.timeout(std::chrono::microseconds(options_.backend_wait_us));
  const uf::Io file_io = io.uninterruptible();
  // `data` is the request's own buffer: valid until the reply.
  std::size_t done = 0;
  while (done < data.size()) {
    const int n = co_await file_io.write(fd, data.subspan(done), offset + done);
    if (n < 0 && done == 0) co_return std::move(reply).error(-n);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  std::move(reply).written(done);
}

}  // namespace passthrough
