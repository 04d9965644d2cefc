// The seam between replies and transports: a reply object encodes its body and hands
// it, with the request's unique id and an errno, to the ReplyTarget that carried the
// request. Filesystem authors never implement this; transports do: the library's own,
// a loop of the caller's own (Session::process_request), and tests.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <span>

namespace uringfuse {

class ReplyTarget {
 public:
  virtual ~ReplyTarget() = default;
  // error is 0 or a negative errno in (-512, 0); body is what follows fuse_out_header.
  // Must not throw: it runs in destructors. Send failures are the target's to log.
  // Returns 0 when the reply went out (or is queued to: a ring commits it later), or
  // the negative errno that kept it from the kernel: -ENOENT when the kernel no longer
  // waits for the request (interrupted and given up, or aborted), -ENODEV when the
  // connection has ended. A filesystem undoes an open whose reply failed so (libfuse's
  // high-level API does), since no RELEASE will ever come for it.
  virtual int send(std::uint64_t unique, int error, std::span<const iovec> body) noexcept = 0;
  // A notification: unique 0, the notify code in the error field. Returns 0 or the
  // positive errno the kernel answered (ENOENT for an unknown inode, ...).
  virtual int notify(int code, std::span<const iovec> body) noexcept {
    int err = send(0, code, body);
    return err < 0 ? -err : 0;
  }
  // Memory the transport lends for building a reply in place (an io_uring entry's
  // payload buffer); a body sent from its start is not copied again. Empty: none.
  virtual std::span<std::byte> reply_buffer() noexcept { return {}; }
  // Answers with what `fd` holds at `offset`, up to `size` bytes; fewer only at end of
  // file. An error reading answers that errno. It preads into reply_buffer() when the
  // transport lends one (no copy afterwards), else into memory of its own, then sends.
  // Returns what send() does.
  // (A READ linked ahead of the commit in the ring was measured and lost: tmpfs cannot
  // read without blocking, so io_uring hands every such read to a worker thread.)
  virtual int send_file(std::uint64_t unique, int fd, off_t offset, std::size_t size) noexcept;
};

}  // namespace uringfuse
