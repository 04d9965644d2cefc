// Open files: open/create, read/write, flush/release (with the hidden-file
// clean-up and lock release), fsync, locks, fallocate, copy_file_range, lseek,
// ioctl, poll, bmap.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <shared_mutex>
#include <vector>

#include "highlevel/attr_policy.hpp"
#include "compat/layout_entry_points.hpp"
#include "highlevel/highlevel_ops.hpp"
#include "highlevel/layout_calls.hpp"
#include "highlevel/request_context.hpp"

namespace uringfuse::highlevel {
namespace {

void reply_status(RequestScope& scope, fuse_req_t req, int res) {
  scope.end();
  fuse_reply_err(req, res < 0 ? -res : 0);
}

// What the options add to an open: direct_io, kernel_cache, and auto_cache's
// keep_cache when the file did not change since it was last seen.
void apply_open_policy(fuse* f, fuse_ino_t ino, const char* path, fuse_file_info* fi) {
  if (f->conf.direct_io) fi->direct_io = 1;
  if (f->conf.kernel_cache) fi->keep_cache = 1;
  if (f->conf.auto_cache && path) {
    struct stat st{};
    if (fuse_fs_getattr(f->fs, path, &st, fi) == 0 &&
        f->nodes->same_as_cached(ino, st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec))
      fi->keep_cache = 1;
  }
  if (f->conf.parallel_direct_writes) fi->parallel_direct_writes = 1;
  if (f->conf.no_rofd_flush && (fi->flags & O_ACCMODE) == O_RDONLY) fi->noflush = 1;
}

// RELEASE's work without its reply, also for an open whose reply the kernel never
// took: the filesystem's release (and flock unlock), the open count, and a hidden
// file's removal at its last close. Called without the tree lock.
int close_file(fuse* f, fuse_ino_t ino, fuse_file_info* fi) {
  int res;
  bool last;
  {
    std::shared_lock tree(f->tree);
    auto path = path_for_open_file(f, ino);
    if (fi->flock_release && f->fs->op.flock) fuse_fs_flock(f->fs, c_path(path), fi, LOCK_UN);
    res = fuse_fs_release(f->fs, c_path(path), fi);
    // Counted under the tree lock: an unlink, which holds it alone, sees the file
    // either still open (and hides it) or closed (and removes it).
    last = f->nodes->closed(ino);
  }
  // A hidden file's last close removes it; its name changes, so alone. It may have
  // been opened again (through /proc/self/fd) meanwhile.
  if (last && f->nodes->is_hidden(ino)) {
    std::unique_lock tree(f->tree);
    auto path = f->nodes->path(ino);
    if (path && f->nodes->is_hidden(ino) && !f->nodes->is_open(ino) && fuse_fs_unlink(f->fs, path->c_str()) == 0) {
      f->nodes->unname(ino);
    }
  }
  return res;
}

void hl_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  if (!path) return reply_status(scope, req, -ENOENT);
  int res = fuse_fs_open(f->fs, path->c_str(), fi);
  if (res != 0) return reply_status(scope, req, res);
  apply_open_policy(f, ino, path->c_str(), fi);
  f->nodes->opened(ino);
  scope.end();
  if (reply_refused(fuse_reply_open(req, fi))) {  // no RELEASE will come for it
    tree.unlock();
    close_file(f, ino, fi);
  }
}

void hl_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->child_path(parent, name);
  if (!path) return reply_status(scope, req, -ENOENT);
  int res = fuse_fs_create(f->fs, path->c_str(), mode, fi);
  if (res != 0) return reply_status(scope, req, res);
  fuse_entry_param e{};
  res = lookup_path(f, parent, name, *path, e, fi);
  if (res != 0) {
    fuse_fs_release(f->fs, path->c_str(), fi);
    return reply_status(scope, req, res);
  }
  apply_open_policy(f, e.ino, nullptr, fi);
  f->nodes->opened(e.ino);
  scope.end();
  if (reply_refused(fuse_reply_create(req, &e, fi))) {  // no RELEASE nor FORGET will come
    tree.unlock();
    close_file(f, e.ino, fi);
    f->nodes->forget(e.ino, 1);
  }
}

void hl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  fuse_bufvec* data = nullptr;
  int res = read_buf(f->fs, c_path(path), &data, size, off, fi);
  scope.end();
  if (res == 0 && data) compat::reply_data(req, data, FUSE_BUF_SPLICE_MOVE);
  else if (res == 0) fuse_reply_buf(req, nullptr, 0);
  else fuse_reply_err(req, -res);
  free_bufvec(data);
}

void hl_write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  int res = fuse_fs_write(f->fs, c_path(path), buf, size, off, fi);
  scope.end();
  if (res >= 0) fuse_reply_write(req, static_cast<size_t>(res));
  else fuse_reply_err(req, -res);
}

// The POSIX locks a closing owner held are dropped by the filesystem's lock().
int unlock_owner(fuse* f, const char* path, fuse_file_info* fi) {
  struct flock unlock{};
  unlock.l_type = F_UNLCK;
  unlock.l_whence = SEEK_SET;
  return fuse_fs_lock(f->fs, path, fi, F_SETLK, &unlock);
}

void hl_flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  int res = fuse_fs_flush(f->fs, c_path(path), fi);
  if (f->fs->op.lock) {
    const int unlocked = unlock_owner(f, c_path(path), fi);
    if (res == -ENOSYS) res = unlocked == -ENOSYS ? -ENOSYS : 0;
  }
  reply_status(scope, req, res);
}

void hl_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  int res = close_file(f, ino, fi);
  reply_status(scope, req, res);
}

void hl_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  reply_status(scope, req, fuse_fs_fsync(f->fs, c_path(path), datasync, fi));
}

void hl_getlk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  int res = fuse_fs_lock(f->fs, c_path(path), fi, F_GETLK, lock);
  scope.end();
  if (res == 0) fuse_reply_lock(req, lock);
  else fuse_reply_err(req, -res);
}

void hl_setlk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock, int sleep) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  reply_status(scope, req, fuse_fs_lock(f->fs, c_path(path), fi, sleep ? F_SETLKW : F_SETLK, lock));
}

void hl_flock(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, int op) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  reply_status(scope, req, fuse_fs_flock(f->fs, c_path(path), fi, op));
}

void hl_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  reply_status(scope, req, fuse_fs_fallocate(f->fs, c_path(path), mode, offset, length, fi));
}

void hl_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, fuse_file_info* fi_in,
                        fuse_ino_t ino_out, off_t off_out, fuse_file_info* fi_out, size_t len, int flags) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto in = path_for_open_file(f, ino_in);
  auto out = path_for_open_file(f, ino_out);
  ssize_t res = fuse_fs_copy_file_range(f->fs, c_path(in), fi_in, off_in, c_path(out), fi_out, off_out, len, flags);
  scope.end();
  if (res >= 0) fuse_reply_write(req, static_cast<size_t>(res));
  else fuse_reply_err(req, static_cast<int>(-res));
}

void hl_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  off_t res = fuse_fs_lseek(f->fs, c_path(path), off, whence, fi);
  scope.end();
  if (res >= 0) fuse_reply_lseek(req, res);
  else fuse_reply_err(req, static_cast<int>(-res));
}

void hl_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void* arg, fuse_file_info* fi, unsigned flags,
              const void* in_buf, size_t in_bufsz, size_t out_bufsz) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  if (flags & FUSE_IOCTL_UNRESTRICTED) return reply_status(scope, req, -EPERM);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  // The filesystem reads its input from and writes its output to one buffer.
  std::vector<char> data(in_bufsz > out_bufsz ? in_bufsz : out_bufsz);
  if (in_bufsz) std::memcpy(data.data(), in_buf, in_bufsz);
  int res = fuse_fs_ioctl(f->fs, c_path(path), cmd, arg, fi, flags, data.empty() ? nullptr : data.data());
  scope.end();
  if (res < 0) fuse_reply_err(req, -res);
  else fuse_reply_ioctl(req, res, out_bufsz ? data.data() : nullptr, out_bufsz);
}

void hl_poll(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, fuse_pollhandle* ph) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  unsigned revents = 0;
  int res = fuse_fs_poll(f->fs, c_path(path), fi, ph, &revents);
  scope.end();
  if (res == 0) fuse_reply_poll(req, revents);
  else fuse_reply_err(req, -res);
}

void hl_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  int res = path ? fuse_fs_bmap(f->fs, path->c_str(), blocksize, &idx) : -ENOENT;
  scope.end();
  if (res == 0) fuse_reply_bmap(req, idx);
  else fuse_reply_err(req, -res);
}

void hl_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  std::optional<std::string> path = fi ? path_for_open_file(f, ino) : f->nodes->path(ino);
  if (!fi && !path) return reply_status(scope, req, -ENOENT);
  struct statx stx{};
  int res = fuse_fs_statx(f->fs, c_path(path), flags, mask, &stx, fi);
  scope.end();
  if (res != 0) return (void)fuse_reply_err(req, -res);
  if (!f->conf.use_ino) stx.stx_ino = ino;
  if (f->conf.set_uid) stx.stx_uid = f->conf.uid;
  if (f->conf.set_gid) stx.stx_gid = f->conf.gid;
  fuse_reply_statx(req, 0, &stx, f->conf.attr_timeout);
}

void hl_syncfs(fuse_req_t req, fuse_ino_t ino) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  reply_status(scope, req, fuse_fs_syncfs(f->fs, path ? path->c_str() : "/"));
}

}  // namespace

void add_file_ops(fuse_lowlevel_ops& ops) {
  ops.open = hl_open;
  ops.create = hl_create;
  ops.read = hl_read;
  ops.write = hl_write;
  ops.flush = hl_flush;
  ops.release = hl_release;
  ops.fsync = hl_fsync;
  ops.getlk = hl_getlk;
  ops.setlk = hl_setlk;
  ops.flock = hl_flock;
  ops.fallocate = hl_fallocate;
  ops.copy_file_range = hl_copy_file_range;
  ops.lseek = hl_lseek;
  ops.ioctl = hl_ioctl;
  ops.poll = hl_poll;
  ops.bmap = hl_bmap;
  ops.statx = hl_statx;
  ops.syncfs = hl_syncfs;
}

}  // namespace uringfuse::highlevel
