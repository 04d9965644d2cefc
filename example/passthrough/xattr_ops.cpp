// Extended attributes. O_PATH descriptors cannot do f*xattr(), so these go through the
// /proc/self/fd path, whose magic link reaches the inode itself (a symlink too: the
// following *xattr() variants land on the link; the l* ones would hit /proc's own link).
#include <sys/xattr.h>

#include <string>
#include <vector>

#include "credentials.hpp"
#include "fd_util.hpp"
#include "passthrough_fs.hpp"

namespace passthrough {

namespace uf = uringfuse;

void PassthroughFs::setxattr(const uf::Request& req, uf::Ino ino, std::string_view name,
                             std::span<const std::byte> value, const uf::SetxattrIn& in,
                             uf::ReplyEmpty reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  const ProcPath path(inode->fd);
  std::string cname(name);
  // As the caller, whose capabilities are dropped: a user must not be able to set
  // trusted.* or security.capability through a root daemon.
  int err = as_caller(req, [&] {
    return ::setxattr(path.c_str(), cname.c_str(), value.data(), value.size(), in.flags);
  });
  if (err) return std::move(reply).error(err);
  std::move(reply).ok();
}

void PassthroughFs::getxattr(const uf::Request& req, uf::Ino ino, std::string_view name,
                             uf::ReplyXattr reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  const ProcPath path(inode->fd);
  std::string cname(name);
  // A size probe (max_size() == 0) reads nothing; otherwise read into a buffer of the
  // caller's size, and the source filesystem says ERANGE if the value is larger.
  std::vector<std::byte> value(reply.max_size());
  ssize_t size = -1;
  int err = as_caller(req, [&] {
    return size = ::getxattr(path.c_str(), cname.c_str(), value.data(), value.size());
  });
  if (err) return std::move(reply).error(err);
  if (value.empty()) return std::move(reply).size(static_cast<std::uint32_t>(size));
  std::move(reply).value(std::span<const std::byte>(value.data(), static_cast<std::size_t>(size)));
}

void PassthroughFs::listxattr(const uf::Request& req, uf::Ino ino, uf::ReplyXattr reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  const ProcPath path(inode->fd);
  std::vector<char> names(reply.max_size());
  ssize_t size = -1;
  // As the caller: which names show (trusted.* only to privileged callers) depends on it.
  int err = as_caller(req, [&] {
    return size = ::listxattr(path.c_str(), names.data(), names.size());
  });
  if (err) return std::move(reply).error(err);
  if (names.empty()) return std::move(reply).size(static_cast<std::uint32_t>(size));
  std::move(reply).value(std::string_view(names.data(), static_cast<std::size_t>(size)));
}

void PassthroughFs::removexattr(const uf::Request& req, uf::Ino ino, std::string_view name,
                                uf::ReplyEmpty reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  const ProcPath path(inode->fd);
  std::string cname(name);
  int err = as_caller(req, [&] { return ::removexattr(path.c_str(), cname.c_str()); });
  if (err) return std::move(reply).error(err);
  std::move(reply).ok();
}

}  // namespace passthrough
