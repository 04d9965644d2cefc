// Connection-state checks for notifications and the pending-retrieve registry.
#include "core/notify_channel.hpp"

#include <sys/ioctl.h>

#include <cerrno>

namespace uringfuse {

void NotifyChannel::attach(ReplyTarget* target, int fd) {
  target_ = target;
  fd_ = fd;
}

void NotifyChannel::set_negotiated(std::uint32_t minor, std::uint64_t capable,
                                   std::uint64_t negotiated) {
  minor_.store(minor);
  capable_.store(capable);
  negotiated_.store(negotiated);
  up_.store(true, std::memory_order_release);
}

void NotifyChannel::set_ended() { up_.store(false, std::memory_order_release); }

bool NotifyChannel::capable(std::uint64_t b) const { return capable_.load() & b; }
bool NotifyChannel::negotiated(std::uint64_t b) const { return negotiated_.load() & b; }

int NotifyChannel::send(std::int32_t code, std::span<const iovec> body, std::uint32_t min_minor) {
  if (!up_.load(std::memory_order_acquire) || !target_) return ENOTCONN;
  if (minor_.load() < min_minor) return ENOSYS;
  return target_->notify(code, body);
}

std::uint64_t NotifyChannel::add_retrieve(Notifier::RetrieveCallback cb) {
  std::lock_guard lock(retrieve_mutex_);
  std::uint64_t id = next_retrieve_;
  next_retrieve_ += 2;
  retrieves_.emplace(id, std::move(cb));
  return id;
}

void NotifyChannel::drop_retrieve(std::uint64_t id) {
  std::lock_guard lock(retrieve_mutex_);
  retrieves_.erase(id);
}

bool NotifyChannel::complete_retrieve(std::uint64_t id, std::uint64_t offset,
                                      std::span<const std::byte> data) {
  Notifier::RetrieveCallback cb;
  {
    std::lock_guard lock(retrieve_mutex_);
    auto it = retrieves_.find(id);
    if (it == retrieves_.end()) return false;
    cb = std::move(it->second);
    retrieves_.erase(it);
  }
  if (cb) cb(offset, data);
  return true;
}

int NotifyChannel::device_ioctl(unsigned long request, void* arg) {
  if (!up_.load(std::memory_order_acquire) || fd_ < 0) return -ENOTCONN;
  int r = ::ioctl(fd_, request, arg);
  return r < 0 ? -errno : r;
}

}  // namespace uringfuse
