// The C API's notifications: thin wrappers over uringfuse::Notifier, returning
// -errno as libfuse does (-ENOTCONN before INIT).
#include <cerrno>
#include <string>

#include "compat/compat_filesystem.hpp"
#include "compat/compat_types.hpp"
#include "compat/layout_entry_points.hpp"

using namespace uringfuse;

namespace {
int as_c(int err) { return err > 0 ? -err : err; }
std::string_view name_of(const char* name, size_t len) { return {name, len}; }
}  // namespace

extern "C" {

int fuse_lowlevel_notify_poll(fuse_pollhandle* ph) {
  if (!ph->se->notifier) return -ENOTCONN;
  return as_c(ph->se->notifier->poll_wakeup(ph->kh));
}

void fuse_pollhandle_destroy(fuse_pollhandle* ph) { delete ph; }

int fuse_lowlevel_notify_inval_inode(fuse_session* se, fuse_ino_t ino, off_t off, off_t len) {
  return se->notifier ? as_c(se->notifier->inval_inode(ino, off, len)) : -ENOTCONN;
}

int fuse_lowlevel_notify_increment_epoch(fuse_session* se) {
  return se->notifier ? as_c(se->notifier->increment_epoch()) : -ENOTCONN;
}

int fuse_lowlevel_notify_inval_entry(fuse_session* se, fuse_ino_t parent, const char* name, size_t namelen) {
  return se->notifier ? as_c(se->notifier->inval_entry(parent, name_of(name, namelen))) : -ENOTCONN;
}

int fuse_lowlevel_notify_expire_entry(fuse_session* se, fuse_ino_t parent, const char* name, size_t namelen) {
  return se->notifier ? as_c(se->notifier->expire_entry(parent, name_of(name, namelen))) : -ENOTCONN;
}

int fuse_lowlevel_notify_delete(fuse_session* se, fuse_ino_t parent, fuse_ino_t child, const char* name,
                                size_t namelen) {
  return se->notifier ? as_c(se->notifier->delete_entry(parent, child, name_of(name, namelen))) : -ENOTCONN;
}

}  // extern "C"

namespace uringfuse::compat {

int notify_store(fuse_session* se, fuse_ino_t ino, off_t offset, fuse_bufvec* bufv,
                 enum fuse_buf_copy_flags flags) {
  if (!se->notifier) return -ENOTCONN;
  std::string data(buf_size(bufv), '\0');
  fuse_bufvec dst = FUSE_BUFVEC_INIT(data.size());
  dst.buf[0].mem = data.data();
  ssize_t n = buf_copy(&dst, bufv, flags);
  if (n < 0) return static_cast<int>(n);
  return as_c(se->notifier->store(ino, static_cast<std::uint64_t>(offset),
                                  std::as_bytes(std::span(data.data(), static_cast<std::size_t>(n)))));
}

}  // namespace uringfuse::compat

extern "C" {

int fuse_lowlevel_notify_retrieve(fuse_session* se, fuse_ino_t ino, size_t size, off_t offset, void* cookie) {
  if (!se->notifier) return -ENOTCONN;
  auto* fs = se->fs.get();
  return as_c(se->notifier->retrieve(ino, static_cast<std::uint64_t>(offset), static_cast<std::uint32_t>(size),
                                     [fs, cookie, ino](std::uint64_t off, std::span<const std::byte> data) {
                                       fs->deliver_retrieve(cookie, ino, off, data);
                                     }));
}

int fuse_lowlevel_notify_prune(fuse_session* se, fuse_ino_t* nodeids, uint32_t count) {
  return se->notifier ? as_c(se->notifier->prune(std::span<const Ino>(nodeids, count))) : -ENOTCONN;
}

}  // extern "C"
