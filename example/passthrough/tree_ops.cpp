// Operations that add or remove names: mknod, mkdir, symlink, link, unlink, rmdir,
// rename. Each runs as the caller, so new files get the caller's ownership and the
// source filesystem applies the caller's permissions (sticky bits, protected links).
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "credentials.hpp"
#include "fd_util.hpp"
#include "passthrough_fs.hpp"

namespace passthrough {

namespace uf = uringfuse;

void PassthroughFs::reply_created(const Inode& parent, std::string_view name,
                                  uf::ReplyEntry reply) {
  uf::EntryParam entry;
  if (int err = do_lookup(parent, name, entry)) return std::move(reply).error(err);
  std::move(reply).entry(entry);
}

void PassthroughFs::mknod(const uf::Request& req, uf::Ino parent, std::string_view name,
                          mode_t mode, dev_t rdev, uf::ReplyEntry reply) {
  auto dir = inodes_.get(parent);
  if (!dir) return std::move(reply).error(ESTALE);
  if (int err = check_new_name(name)) return std::move(reply).error(err);
  std::string cname(name);
  int err = as_caller(req, [&] { return ::mknodat(dir->fd, cname.c_str(), mode, rdev); });
  if (err) return std::move(reply).error(err);
  reply_created(*dir, name, std::move(reply));
}

void PassthroughFs::mkdir(const uf::Request& req, uf::Ino parent, std::string_view name,
                          mode_t mode, uf::ReplyEntry reply) {
  auto dir = inodes_.get(parent);
  if (!dir) return std::move(reply).error(ESTALE);
  if (int err = check_new_name(name)) return std::move(reply).error(err);
  std::string cname(name);
  int err = as_caller(req, [&] { return ::mkdirat(dir->fd, cname.c_str(), mode); });
  if (err) return std::move(reply).error(err);
  reply_created(*dir, name, std::move(reply));
}

void PassthroughFs::symlink(const uf::Request& req, uf::Ino parent, std::string_view name,
                            std::string_view target, uf::ReplyEntry reply) {
  auto dir = inodes_.get(parent);
  if (!dir) return std::move(reply).error(ESTALE);
  if (int err = check_new_name(name)) return std::move(reply).error(err);
  std::string cname(name), ctarget(target);
  int err = as_caller(req, [&] { return ::symlinkat(ctarget.c_str(), dir->fd, cname.c_str()); });
  if (err) return std::move(reply).error(err);
  reply_created(*dir, name, std::move(reply));
}

void PassthroughFs::link(const uf::Request& req, uf::Ino ino, uf::Ino new_parent,
                         std::string_view new_name, uf::ReplyEntry reply) {
  auto inode = inodes_.get(ino);
  auto dir = inodes_.get(new_parent);
  if (!inode || !dir) return std::move(reply).error(ESTALE);
  if (int err = check_new_name(new_name)) return std::move(reply).error(err);
  std::string cname(new_name);
  // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH, which a caller does not
  // have; following the proc link reaches the same inode (a symlink itself included).
  const ProcPath path(inode->fd);
  int err = as_caller(req, [&] {
    return ::linkat(AT_FDCWD, path.c_str(), dir->fd, cname.c_str(), AT_SYMLINK_FOLLOW);
  });
  if (err) return std::move(reply).error(err);
  uf::EntryParam entry;
  if (int e = fill_entry(*inode, entry)) return std::move(reply).error(e);
  inodes_.add_lookup(*inode);  // the new name is one more lookup of the same inode
  std::move(reply).entry(entry);
}

void PassthroughFs::unlink(const uf::Request& req, uf::Ino parent, std::string_view name,
                           uf::ReplyEmpty reply) {
  auto dir = inodes_.get(parent);
  if (!dir) return std::move(reply).error(ESTALE);
  if (int err = check_existing_name(name)) return std::move(reply).error(err);
  std::string cname(name);
  int err = as_caller(req, [&] { return ::unlinkat(dir->fd, cname.c_str(), 0); });
  if (err) return std::move(reply).error(err);
  std::move(reply).ok();
}

void PassthroughFs::rmdir(const uf::Request& req, uf::Ino parent, std::string_view name,
                          uf::ReplyEmpty reply) {
  auto dir = inodes_.get(parent);
  if (!dir) return std::move(reply).error(ESTALE);
  if (int err = check_existing_name(name)) return std::move(reply).error(err);
  std::string cname(name);
  int err = as_caller(req, [&] { return ::unlinkat(dir->fd, cname.c_str(), AT_REMOVEDIR); });
  if (err) return std::move(reply).error(err);
  std::move(reply).ok();
}

void PassthroughFs::rename(const uf::Request& req, uf::Ino parent, std::string_view name,
                           uf::Ino new_parent, std::string_view new_name, unsigned flags,
                           uf::ReplyEmpty reply) {
  auto dir = inodes_.get(parent);
  auto new_dir = inodes_.get(new_parent);
  if (!dir || !new_dir) return std::move(reply).error(ESTALE);
  if (int err = check_existing_name(name)) return std::move(reply).error(err);
  if (int err = check_existing_name(new_name)) return std::move(reply).error(err);
  std::string cname(name), cnew(new_name);
  // RENAME_NOREPLACE / EXCHANGE / WHITEOUT go through unchanged; the source filesystem
  // refuses the ones it does not support, as it would locally.
  int err = as_caller(req, [&] {
    return ::renameat2(dir->fd, cname.c_str(), new_dir->fd, cnew.c_str(), flags);
  });
  if (err) return std::move(reply).error(err);
  std::move(reply).ok();
}

}  // namespace passthrough
