// Names and attributes: lookup, forget, getattr/setattr, making and removing
// names, renames, links, xattrs, statfs and access, each translated from node ids
// to paths under the tree lock.
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "highlevel/attr_policy.hpp"
#include "highlevel/highlevel_ops.hpp"
#include "highlevel/request_context.hpp"

namespace uringfuse::highlevel {
namespace {

void reply_status(RequestScope& scope, fuse_req_t req, int res) {
  scope.end();
  fuse_reply_err(req, res < 0 ? -res : 0);
}

// An entry the kernel did not take gives back the lookup it counted.
void reply_entry_or_error(RequestScope& scope, fuse_req_t req, int res, const fuse_entry_param& e) {
  scope.end();
  if (res != 0) {
    fuse_reply_err(req, -res);
    return;
  }
  fuse* f = fuse_of(req);  // read before the reply: the request is gone after it
  if (reply_refused(fuse_reply_entry(req, &e)) && e.ino != 0) f->nodes->forget(e.ino, 1);
}

void hl_init(void* userdata, fuse_conn_info* conn) {
  auto* f = static_cast<fuse*>(userdata);
  RequestScope scope(f, nullptr);
  // Without lock or flock operations the kernel keeps the locks itself (locks
  // local to this machine), as libfuse arranges it.
  if (!f->fs->op.lock) conn->want &= ~static_cast<unsigned>(FUSE_CAP_POSIX_LOCKS);
  if (!f->fs->op.flock) conn->want &= ~static_cast<unsigned>(FUSE_CAP_FLOCK_LOCKS);
  if (!f->fs->op.init) return;
  if (f->fs->layout == CallerLayout::libfuse319) {
    fuse_fs_init(f->fs, conn, &f->conf);
    return;
  }
  // A binary built against libfuse 3.14 gets that layout; its changes are taken back.
  fuse_config& c = f->conf;
  FuseConfig314 old{c.set_gid, c.gid, c.set_uid, c.uid, c.set_mode, c.umask, c.entry_timeout,
                    c.negative_timeout, c.attr_timeout, c.intr, c.intr_signal, c.remember,
                    c.hard_remove, c.use_ino, c.readdir_ino, c.direct_io, c.kernel_cache,
                    c.auto_cache, c.no_rofd_flush, c.ac_attr_timeout_set, c.ac_attr_timeout,
                    c.nullpath_ok, c.show_help, c.modules, c.debug};
  fuse_fs_init(f->fs, conn, reinterpret_cast<fuse_config*>(&old));
  c.set_gid = old.set_gid, c.gid = old.gid, c.set_uid = old.set_uid, c.uid = old.uid;
  c.set_mode = old.set_mode, c.umask = old.umask, c.entry_timeout = old.entry_timeout;
  c.negative_timeout = old.negative_timeout, c.attr_timeout = old.attr_timeout;
  c.intr = old.intr, c.intr_signal = old.intr_signal, c.hard_remove = old.hard_remove;
  c.use_ino = old.use_ino, c.readdir_ino = old.readdir_ino, c.direct_io = old.direct_io;
  c.kernel_cache = old.kernel_cache, c.auto_cache = old.auto_cache;
  c.no_rofd_flush = old.no_rofd_flush, c.ac_attr_timeout_set = old.ac_attr_timeout_set;
  c.ac_attr_timeout = old.ac_attr_timeout, c.nullpath_ok = old.nullpath_ok, c.debug = old.debug;
}

void hl_destroy(void* userdata) {
  auto* f = static_cast<fuse*>(userdata);
  RequestScope scope(f, nullptr);
  release_dirs_left_open(f);
  if (f->fs->op.destroy) f->fs->op.destroy(f->fs->user_data);
  f->fs->op.destroy = nullptr;  // once; fuse_destroy() frees the fs afterwards
}

void hl_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  fuse_entry_param e{};
  int res = -ENOENT;
  if (auto path = f->nodes->child_path(parent, name)) {
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) {
      // Asked only by NFS export; answered from the node's own path.
      auto id = f->nodes->lookup(parent, name);
      auto p = id ? f->nodes->path(id->id) : std::nullopt;
      res = -ENOENT;
      if (id && p && (res = fuse_fs_getattr(f->fs, p->c_str(), &e.attr, nullptr)) == 0) {
        e = make_entry(f, *id, e.attr);
      } else if (id) {
        f->nodes->forget(id->id, 1);
      }
    } else {
      res = lookup_path(f, parent, name, *path, e, nullptr);
    }
  }
  if (res == -ENOENT && f->conf.negative_timeout != 0.0) {
    e = negative_entry(f);
    res = 0;
  }
  reply_entry_or_error(scope, req, res, e);
}

void hl_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  fuse_of(req)->nodes->forget(ino, nlookup);
  fuse_reply_none(req);
}

void hl_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  fuse* f = fuse_of(req);
  for (size_t i = 0; i < count; ++i) f->nodes->forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void reply_attr_of(RequestScope& scope, fuse_req_t req, fuse* f, fuse_ino_t ino, int res, struct stat& st) {
  scope.end();
  if (res != 0) {
    fuse_reply_err(req, -res);
    return;
  }
  apply_attr_policy(f, ino, st);
  if (f->conf.auto_cache) f->nodes->record_attr(ino, st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  fuse_reply_attr(req, &st, f->conf.attr_timeout);
}

void hl_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  struct stat st{};
  int res;
  if (fi) {
    auto path = path_for_open_file(f, ino);
    res = fuse_fs_getattr(f->fs, c_path(path), &st, fi);
  } else if (auto path = f->nodes->path(ino)) {
    res = fuse_fs_getattr(f->fs, path->c_str(), &st, nullptr);
  } else {
    res = -ENOENT;
  }
  reply_attr_of(scope, req, f, ino, res, st);
}

void hl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int valid, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  std::optional<std::string> path = fi ? path_for_open_file(f, ino) : f->nodes->path(ino);
  if (!fi && !path) return reply_status(scope, req, -ENOENT);
  const char* p = c_path(path);
  int res = 0;
  // One change after the other, as libfuse makes them: mode, owner, size, times.
  if (res == 0 && (valid & FUSE_SET_ATTR_MODE)) res = fuse_fs_chmod(f->fs, p, attr->st_mode, fi);
  if (res == 0 && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
    const uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
    const gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
    res = fuse_fs_chown(f->fs, p, uid, gid, fi);
  }
  if (res == 0 && (valid & FUSE_SET_ATTR_SIZE)) res = fuse_fs_truncate(f->fs, p, attr->st_size, fi);
  if (res == 0 && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
    struct timespec tv[2];
    tv[0].tv_sec = tv[1].tv_sec = 0;
    tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
    if (valid & FUSE_SET_ATTR_ATIME_NOW) tv[0].tv_nsec = UTIME_NOW;
    else if (valid & FUSE_SET_ATTR_ATIME) tv[0] = attr->st_atim;
    if (valid & FUSE_SET_ATTR_MTIME_NOW) tv[1].tv_nsec = UTIME_NOW;
    else if (valid & FUSE_SET_ATTR_MTIME) tv[1] = attr->st_mtim;
    res = fuse_fs_utimens(f->fs, p, tv, fi);
  }
  struct stat st{};
  if (res == 0) res = fuse_fs_getattr(f->fs, p, &st, fi);
  reply_attr_of(scope, req, f, ino, res, st);
}

void hl_readlink(fuse_req_t req, fuse_ino_t ino) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  if (!path) return reply_status(scope, req, -ENOENT);
  std::vector<char> target(PATH_MAX + 1, '\0');
  int res = fuse_fs_readlink(f->fs, path->c_str(), target.data(), target.size());
  scope.end();
  if (res != 0) {
    fuse_reply_err(req, -res);
    return;
  }
  target.back() = '\0';
  fuse_reply_readlink(req, target.data());
}

void hl_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->child_path(parent, name);
  if (!path) return reply_status(scope, req, -ENOENT);
  int res;
  fuse_entry_param e{};
  if (S_ISREG(mode) && !f->fs->op.mknod && f->fs->op.create) {
    // A regular file from a filesystem that only creates: create and close it.
    fuse_file_info fi{};
    fi.flags = O_CREAT | O_EXCL | O_WRONLY;
    res = fuse_fs_create(f->fs, path->c_str(), mode, &fi);
    if (res == 0) {
      res = lookup_path(f, parent, name, *path, e, &fi);
      fuse_fs_release(f->fs, path->c_str(), &fi);
    }
  } else {
    res = fuse_fs_mknod(f->fs, path->c_str(), mode, rdev);
    if (res == 0) res = lookup_path(f, parent, name, *path, e, nullptr);
  }
  reply_entry_or_error(scope, req, res, e);
}

void hl_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->child_path(parent, name);
  fuse_entry_param e{};
  int res = path ? fuse_fs_mkdir(f->fs, path->c_str(), mode) : -ENOENT;
  if (res == 0) res = lookup_path(f, parent, name, *path, e, nullptr);
  reply_entry_or_error(scope, req, res, e);
}

void hl_symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->child_path(parent, name);
  fuse_entry_param e{};
  int res = path ? fuse_fs_symlink(f->fs, link, path->c_str()) : -ENOENT;
  if (res == 0) res = lookup_path(f, parent, name, *path, e, nullptr);
  reply_entry_or_error(scope, req, res, e);
}

void hl_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto from = f->nodes->path(ino);
  auto to = f->nodes->child_path(newparent, newname);
  fuse_entry_param e{};
  int res = from && to ? fuse_fs_link(f->fs, from->c_str(), to->c_str()) : -ENOENT;
  if (res == 0) res = lookup_path(f, newparent, newname, *to, e, nullptr);
  reply_entry_or_error(scope, req, res, e);
}

// With hard_remove off, a file that is still open is not removed but renamed to
// .fuse_hidden<node><n> in its directory, and removed at its last release; so
// its data stays reachable by path for read, write and fstat.
int hide_open_file(fuse* f, fuse_ino_t parent, const char* name, NodeId node, const std::string& path) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    char hidden[64];
    std::snprintf(hidden, sizeof hidden, ".fuse_hidden%08llx%08x", static_cast<unsigned long long>(node),
                  f->hidden_counter.fetch_add(1));
    auto hidden_path = f->nodes->child_path(parent, hidden);
    if (!hidden_path) return -ENOENT;
    struct stat st{};
    if (fuse_fs_getattr(f->fs, hidden_path->c_str(), &st, nullptr) != -ENOENT) continue;  // taken
    int res = fuse_fs_rename(f->fs, path.c_str(), hidden_path->c_str(), 0);
    if (res != 0) return res;
    f->nodes->rename(parent, name, parent, hidden);
    f->nodes->set_hidden(node, true);
    return 0;
  }
  return -EBUSY;
}

// The node a name has, if it is open and must be hidden rather than removed.
std::optional<NodeId> open_node_to_hide(fuse* f, fuse_ino_t parent, const char* name) {
  if (f->conf.hard_remove) return std::nullopt;
  auto id = f->nodes->find(parent, name);
  if (id && f->nodes->is_open(*id)) return id;
  return std::nullopt;
}

void hl_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::unique_lock tree(f->tree);
  auto path = f->nodes->child_path(parent, name);
  if (!path) return reply_status(scope, req, -ENOENT);
  int res;
  if (auto open = open_node_to_hide(f, parent, name)) {
    res = hide_open_file(f, parent, name, *open, *path);
  } else {
    res = fuse_fs_unlink(f->fs, path->c_str());
    if (res == 0) f->nodes->remove(parent, name);
  }
  reply_status(scope, req, res);
}

void hl_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::unique_lock tree(f->tree);
  auto path = f->nodes->child_path(parent, name);
  int res = path ? fuse_fs_rmdir(f->fs, path->c_str()) : -ENOENT;
  if (res == 0) f->nodes->remove(parent, name);
  reply_status(scope, req, res);
}

void hl_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::unique_lock tree(f->tree);
  auto from = f->nodes->child_path(parent, name);
  auto to = f->nodes->child_path(newparent, newname);
  if (!from || !to) return reply_status(scope, req, -ENOENT);
  int res = 0;
  // An open file the rename would replace is hidden first, as an unlink would.
  if (!(flags & RENAME_EXCHANGE))
    if (auto open = open_node_to_hide(f, newparent, newname))
      res = hide_open_file(f, newparent, newname, *open, *to);
  if (res == 0) res = fuse_fs_rename(f->fs, from->c_str(), to->c_str(), flags);
  if (res == 0) {
    if (flags & RENAME_EXCHANGE) f->nodes->exchange(parent, name, newparent, newname);
    else f->nodes->rename(parent, name, newparent, newname);
  }
  reply_status(scope, req, res);
}

void hl_statfs(fuse_req_t req, fuse_ino_t ino) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  struct statvfs st{};
  int res = fuse_fs_statfs(f->fs, path ? path->c_str() : "/", &st);
  scope.end();
  if (res == 0) fuse_reply_statfs(req, &st);
  else fuse_reply_err(req, -res);
}

void hl_access(fuse_req_t req, fuse_ino_t ino, int mask) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  reply_status(scope, req, path ? fuse_fs_access(f->fs, path->c_str(), mask) : -ENOENT);
}

void hl_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size, int flags) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  reply_status(scope, req, path ? fuse_fs_setxattr(f->fs, path->c_str(), name, value, size, flags) : -ENOENT);
}

// getxattr and listxattr: size 0 asks for the size only.
template <typename Call>
void reply_xattr_data(RequestScope& scope, fuse_req_t req, size_t size, Call call) {
  std::vector<char> value(size);
  const int res = call(size ? value.data() : nullptr, size);
  scope.end();
  if (res < 0) fuse_reply_err(req, -res);
  else if (size == 0) fuse_reply_xattr(req, static_cast<size_t>(res));
  else if (static_cast<size_t>(res) > size) fuse_reply_err(req, ERANGE);
  else fuse_reply_buf(req, value.data(), static_cast<size_t>(res));
}

void hl_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  if (!path) return reply_status(scope, req, -ENOENT);
  reply_xattr_data(scope, req, size, [&](char* buf, size_t len) {
    return fuse_fs_getxattr(f->fs, path->c_str(), name, buf, len);
  });
}

void hl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  if (!path) return reply_status(scope, req, -ENOENT);
  reply_xattr_data(scope, req, size, [&](char* buf, size_t len) {
    return fuse_fs_listxattr(f->fs, path->c_str(), buf, len);
  });
}

void hl_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  reply_status(scope, req, path ? fuse_fs_removexattr(f->fs, path->c_str(), name) : -ENOENT);
}

}  // namespace

std::optional<std::string> path_for_open_file(fuse* f, fuse_ino_t ino) {
  if (f->conf.nullpath_ok) return std::nullopt;
  return f->nodes->path(ino);
}

int lookup_path(fuse* f, fuse_ino_t parent, const char* name, const std::string& path,
                fuse_entry_param& entry, fuse_file_info* fi) {
  struct stat st{};
  int res = fuse_fs_getattr(f->fs, path.c_str(), &st, fi);
  if (res != 0) return res;
  auto node = f->nodes->lookup(parent, name);
  if (!node) return -ENOENT;
  entry = make_entry(f, *node, st);
  return 0;
}

void add_name_ops(fuse_lowlevel_ops& ops) {
  ops.init = hl_init;
  ops.destroy = hl_destroy;
  ops.lookup = hl_lookup;
  ops.forget = hl_forget;
  ops.forget_multi = hl_forget_multi;
  ops.getattr = hl_getattr;
  ops.setattr = hl_setattr;
  ops.readlink = hl_readlink;
  ops.mknod = hl_mknod;
  ops.mkdir = hl_mkdir;
  ops.symlink = hl_symlink;
  ops.link = hl_link;
  ops.unlink = hl_unlink;
  ops.rmdir = hl_rmdir;
  ops.rename = hl_rename;
  ops.statfs = hl_statfs;
  ops.access = hl_access;
  ops.setxattr = hl_setxattr;
  ops.getxattr = hl_getxattr;
  ops.listxattr = hl_listxattr;
  ops.removexattr = hl_removexattr;
}

}  // namespace uringfuse::highlevel
