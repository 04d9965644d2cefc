// Where notifications go: the session's /dev/fuse fd (never the ring), guarded by the
// connection's state so that a notification before INIT fails with ENOTCONN and one
// the negotiated protocol lacks fails with ENOSYS. Also keeps the callbacks of
// pending retrieves until the kernel's NOTIFY_REPLY arrives.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_map>

#include "uringfuse/notifier.hpp"
#include "uringfuse/reply_target.hpp"

namespace uringfuse {

class NotifyChannel {
 public:
  // `target` writes to the session fd; `fd` is that fd (for the backing ioctls).
  void attach(ReplyTarget* target, int fd);
  void set_negotiated(std::uint32_t minor, std::uint64_t capable, std::uint64_t negotiated);
  void set_ended();
  // The session fd's target: for answers that must go to /dev/fuse whatever carried
  // the request at hand (a stale interrupt's EAGAIN). Null before attach().
  ReplyTarget* device_target() const { return target_; }

  // Sends one notification if the connection is up and speaks `min_minor`.
  int send(std::int32_t code, std::span<const iovec> body, std::uint32_t min_minor);
  bool capable(std::uint64_t capability_bit) const;
  bool negotiated(std::uint64_t capability_bit) const;

  std::uint64_t add_retrieve(Notifier::RetrieveCallback cb);
  void drop_retrieve(std::uint64_t id);
  // The kernel answered a retrieve; false when nobody waits for `id`.
  bool complete_retrieve(std::uint64_t id, std::uint64_t offset, std::span<const std::byte> data);

  int device_ioctl(unsigned long request, void* arg);

 private:
  ReplyTarget* target_ = nullptr;
  int fd_ = -1;
  std::atomic<bool> up_{false};
  std::atomic<std::uint32_t> minor_{0};
  std::atomic<std::uint64_t> capable_{0}, negotiated_{0};
  std::mutex retrieve_mutex_;
  // Ids far above any the kernel gives its own requests (which step by 2 from 2), and
  // even: the kernel reads bit 0 of a unique as FUSE_INT_REQ_BIT, and over io_uring the
  // NOTIFY_REPLY is committed under this id, which must find no other request.
  std::uint64_t next_retrieve_ = std::uint64_t{1} << 62;
  std::unordered_map<std::uint64_t, Notifier::RetrieveCallback> retrieves_;
};

}  // namespace uringfuse
