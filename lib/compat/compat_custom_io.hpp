// The caller-driven paths of the C API: fuse_session_receive_buf/process_buf, and
// fuse_session_custom_io, where the filesystem brings its own read/writev.
#pragma once

#include "compat/compat_types.hpp"

namespace uringfuse::compat {

// Replies through the custom io's writev.
class CustomIoTarget final : public detail::ReplyTarget {
 public:
  explicit CustomIoTarget(fuse_session* se) : se_(se) {}
  void send(std::uint64_t unique, int error, std::span<const iovec> body) noexcept override;
  int notify(int code, std::span<const iovec> body) noexcept override;

 private:
  int write(std::uint64_t unique, int error, std::span<const iovec> body) noexcept;
  fuse_session* se_;
};

// fuse_session_loop for a custom-io session: receive, process, until exited.
int loop_over_custom_io(fuse_session* se);

}  // namespace uringfuse::compat
