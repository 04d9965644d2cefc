// Replies on /dev/fuse: the out header and the body go out in one writev on the fd
// the request was read from (a cloned fd answers its own requests).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>

#include "uringfuse/reply_target.hpp"

namespace uringfuse::detail {

class DevReplyTarget final : public ReplyTarget {
 public:
  // A transport of the caller's own (the C API's custom I/O) supplies its writev.
  using Writev = std::function<ssize_t(int fd, iovec* parts, int count)>;
  // `sent`, if given, counts the replies that reached the kernel (the transport's
  // counters at exit).
  explicit DevReplyTarget(int fd, Writev writev = {}, std::atomic<std::uint64_t>* sent = nullptr)
      : fd_(fd), writev_(std::move(writev)), sent_(sent) {}
  int send(std::uint64_t unique, int error, std::span<const iovec> body) noexcept override;
  int notify(int code, std::span<const iovec> body) noexcept override;
  int fd() const { return fd_; }

 private:
  // One writev of header + body: 0, the positive errno of the write, or kShortWrite
  // (logged) when fewer bytes went out than the message holds.
  int write_message(std::uint64_t unique, int error, std::span<const iovec> body) noexcept;
  int fd_;
  Writev writev_;
  std::atomic<std::uint64_t>* sent_;
};

}  // namespace uringfuse::detail
