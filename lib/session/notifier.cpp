// Encoding of each notification. The minimum protocol minors are the kernel's: a
// notification the negotiated minor lacks fails with ENOSYS rather than confusing it.
#include "uringfuse/notifier.hpp"

#include <cerrno>
#include <climits>

#include "abi/fuse_abi.hpp"
#include "core/notify_channel.hpp"

namespace uringfuse {
namespace {

using abi::NotifyCode;

template <class T>
iovec iov_of(const T& v) {
  return iovec{const_cast<T*>(&v), sizeof v};
}
iovec iov_of(const void* p, std::size_t n) { return iovec{const_cast<void*>(p), n}; }

constexpr std::int32_t code(NotifyCode c) { return static_cast<std::int32_t>(c); }

// Names travel with their NUL; the kernel rejects names longer than NAME_MAX.
int check_name(std::string_view name) {
  if (name.empty() || name.find('\0') != std::string_view::npos) return EINVAL;
  return name.size() > NAME_MAX ? ENAMETOOLONG : 0;
}

const char kNul = 0;

}  // namespace

int Notifier::inval_inode(Ino ino, std::int64_t offset, std::int64_t length) {
  abi::fuse_notify_inval_inode_out out{ino, offset, length};
  iovec v = iov_of(out);
  return channel_->send(code(NotifyCode::INVAL_INODE), {&v, 1}, 12);
}

int Notifier::inval_entry(Ino parent, std::string_view name) {
  if (int err = check_name(name)) return err;
  abi::fuse_notify_inval_entry_out out{};
  out.parent = parent;
  out.namelen = static_cast<std::uint32_t>(name.size());
  iovec v[3] = {iov_of(out), iov_of(name.data(), name.size()), iov_of(&kNul, 1)};
  return channel_->send(code(NotifyCode::INVAL_ENTRY), v, 12);
}

int Notifier::expire_entry(Ino parent, std::string_view name) {
  if (int err = check_name(name)) return err;
  if (!channel_->capable(abi::init_flag::HAS_EXPIRE_ONLY)) return ENOSYS;
  abi::fuse_notify_inval_entry_out out{};
  out.parent = parent;
  out.namelen = static_cast<std::uint32_t>(name.size());
  out.flags = abi::inval_entry_flag::EXPIRE_ONLY;
  iovec v[3] = {iov_of(out), iov_of(name.data(), name.size()), iov_of(&kNul, 1)};
  return channel_->send(code(NotifyCode::INVAL_ENTRY), v, 12);
}

int Notifier::delete_entry(Ino parent, Ino child, std::string_view name) {
  if (int err = check_name(name)) return err;
  abi::fuse_notify_delete_out out{};
  out.parent = parent;
  out.child = child;
  out.namelen = static_cast<std::uint32_t>(name.size());
  iovec v[3] = {iov_of(out), iov_of(name.data(), name.size()), iov_of(&kNul, 1)};
  return channel_->send(code(NotifyCode::DELETE), v, 18);
}

int Notifier::store(Ino ino, std::uint64_t offset, std::span<const std::byte> data) {
  if (data.size() > UINT32_MAX) return EINVAL;
  abi::fuse_notify_store_out out{};
  out.nodeid = ino;
  out.offset = offset;
  out.size = static_cast<std::uint32_t>(data.size());
  iovec v[2] = {iov_of(out), iov_of(data.data(), data.size())};
  return channel_->send(code(NotifyCode::STORE), v, 15);
}

int Notifier::retrieve(Ino ino, std::uint64_t offset, std::uint32_t size, RetrieveCallback on_data) {
  std::uint64_t id = channel_->add_retrieve(std::move(on_data));
  abi::fuse_notify_retrieve_out out{};
  out.notify_unique = id;
  out.nodeid = ino;
  out.offset = offset;
  out.size = size;
  iovec v = iov_of(out);
  int err = channel_->send(code(NotifyCode::RETRIEVE), {&v, 1}, 15);
  if (err) channel_->drop_retrieve(id);  // no NOTIFY_REPLY will ever come
  return err;
}

int Notifier::poll_wakeup(std::uint64_t kh) {
  abi::fuse_notify_poll_wakeup_out out{kh};
  iovec v = iov_of(out);
  return channel_->send(code(NotifyCode::POLL), {&v, 1}, 11);
}

int Notifier::increment_epoch() { return channel_->send(code(NotifyCode::INC_EPOCH), {}, 44); }

int Notifier::prune(std::span<const Ino> inodes) {
  if (inodes.size() > UINT32_MAX) return EINVAL;
  abi::fuse_notify_prune_out out{};
  out.count = static_cast<std::uint32_t>(inodes.size());
  static_assert(sizeof(Ino) == sizeof(std::uint64_t));
  iovec v[2] = {iov_of(out), iov_of(inodes.data(), inodes.size_bytes())};
  return channel_->send(code(NotifyCode::PRUNE), v, 45);
}

int Notifier::backing_open(int fd) {
  if (!channel_->negotiated(abi::init_flag::PASSTHROUGH)) return -ENOSYS;
  abi::fuse_backing_map map{};
  map.fd = fd;
  return channel_->device_ioctl(abi::DEV_IOC_BACKING_OPEN, &map);
}

int Notifier::backing_close(int backing_id) {
  if (!channel_->negotiated(abi::init_flag::PASSTHROUGH)) return -ENOSYS;
  std::int32_t id = backing_id;
  return channel_->device_ioctl(abi::DEV_IOC_BACKING_CLOSE, &id);
}

}  // namespace uringfuse
