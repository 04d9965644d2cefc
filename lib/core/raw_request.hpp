// What a transport hands down to the protocol core for one request, and the
// interface it hands it to (Connection, in this directory).
// The classic transport delivers one contiguous read (op_in empty, everything after the
// header in `args`); the io_uring transport delivers the op struct and payload apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/request_slot.hpp"

namespace uringfuse::detail {

struct RawRequest {
  std::span<const std::byte> header;  // fuse_in_header (may be short: checked above)
  std::span<const std::byte> op_in;   // fixed argument struct, if delivered apart
  std::span<const std::byte> args;    // contiguous: everything after the header;
                                      // split: the payload (names, data, extensions)
  bool split = false;                 // op_in and args arrive apart (io_uring)
  std::size_t wire_size = 0;          // bytes the transport actually received
  std::string_view via;               // "dev", "dev:clone", "uring:q3": for -d output
  std::size_t queue = 0;              // which transport queue carried it
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // `slot` is the transport's, with its target (and io_queue) filled in; the
  // transport holds it for the call, and the reply holds it for as long as it lives.
  virtual void handle(const RawRequest& request, RequestSlot& slot) noexcept = 0;
  // Read buffer the kernel needs for the largest request: max_write + one page.
  virtual std::size_t request_buffer_size() const noexcept = 0;
};

// For a caller with no slots of its own (a loop of the caller's, tests): one from
// `pool` for this request, which its reply keeps for as long as it needs it.
inline void handle_with_slot(RequestHandler& handler, const RawRequest& raw, ReplyTarget& target,
                             SlotPool& pool) noexcept {
  RequestSlot* slot = pool.take();
  slot->target = &target;
  handler.handle(raw, *slot);
  slot->release();
}

}  // namespace uringfuse::detail
