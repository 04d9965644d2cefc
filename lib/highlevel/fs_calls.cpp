// The fuse_fs_* calls: a path filesystem's operations called directly, with
// libfuse's answer for an operation the filesystem does not have.
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "highlevel/layout_calls.hpp"

namespace {

// Calls `fs->op.*member` with `args`, or gives `missing` if the filesystem left
// that operation out.
template <auto Member, typename... Args>
auto call_or(fuse_fs* fs, decltype((fs->op.*Member)(std::declval<Args>()...)) missing, Args... args) {
  auto fn = fs->op.*Member;
  return fn ? fn(args...) : missing;
}

}  // namespace

extern "C" {

int fuse_fs_getattr(fuse_fs* fs, const char* path, struct stat* buf, fuse_file_info* fi) {
  return call_or<&fuse_operations::getattr>(fs, -ENOSYS, path, buf, fi);
}
int fuse_fs_rename(fuse_fs* fs, const char* oldpath, const char* newpath, unsigned flags) {
  return call_or<&fuse_operations::rename>(fs, -ENOSYS, oldpath, newpath, flags);
}
int fuse_fs_unlink(fuse_fs* fs, const char* path) {
  return call_or<&fuse_operations::unlink>(fs, -ENOSYS, path);
}
int fuse_fs_rmdir(fuse_fs* fs, const char* path) {
  return call_or<&fuse_operations::rmdir>(fs, -ENOSYS, path);
}
int fuse_fs_symlink(fuse_fs* fs, const char* linkname, const char* path) {
  return call_or<&fuse_operations::symlink>(fs, -ENOSYS, linkname, path);
}
int fuse_fs_link(fuse_fs* fs, const char* oldpath, const char* newpath) {
  return call_or<&fuse_operations::link>(fs, -ENOSYS, oldpath, newpath);
}
// Open and release succeed without the operation: a filesystem that keeps no
// per-file state need not have them.
int fuse_fs_release(fuse_fs* fs, const char* path, fuse_file_info* fi) {
  return call_or<&fuse_operations::release>(fs, 0, path, fi);
}
int fuse_fs_open(fuse_fs* fs, const char* path, fuse_file_info* fi) {
  return call_or<&fuse_operations::open>(fs, 0, path, fi);
}
int fuse_fs_opendir(fuse_fs* fs, const char* path, fuse_file_info* fi) {
  return call_or<&fuse_operations::opendir>(fs, 0, path, fi);
}
int fuse_fs_releasedir(fuse_fs* fs, const char* path, fuse_file_info* fi) {
  return call_or<&fuse_operations::releasedir>(fs, 0, path, fi);
}

int fuse_fs_fsync(fuse_fs* fs, const char* path, int datasync, fuse_file_info* fi) {
  return call_or<&fuse_operations::fsync>(fs, -ENOSYS, path, datasync, fi);
}
int fuse_fs_flush(fuse_fs* fs, const char* path, fuse_file_info* fi) {
  return call_or<&fuse_operations::flush>(fs, -ENOSYS, path, fi);
}
int fuse_fs_statfs(fuse_fs* fs, const char* path, struct statvfs* buf) {
  if (fs->op.statfs) return fs->op.statfs(path, buf);
  // libfuse's answer for a filesystem without statfs: names up to 255 bytes.
  std::memset(buf, 0, sizeof *buf);
  buf->f_namemax = 255;
  buf->f_bsize = 512;
  return 0;
}
int fuse_fs_readdir(fuse_fs* fs, const char* path, void* buf, fuse_fill_dir_t filler, off_t off,
                    fuse_file_info* fi, fuse_readdir_flags flags) {
  return call_or<&fuse_operations::readdir>(fs, -ENOSYS, path, buf, filler, off, fi, flags);
}
int fuse_fs_fsyncdir(fuse_fs* fs, const char* path, int datasync, fuse_file_info* fi) {
  return call_or<&fuse_operations::fsyncdir>(fs, -ENOSYS, path, datasync, fi);
}
int fuse_fs_create(fuse_fs* fs, const char* path, mode_t mode, fuse_file_info* fi) {
  return call_or<&fuse_operations::create>(fs, -ENOSYS, path, mode, fi);
}
int fuse_fs_lock(fuse_fs* fs, const char* path, fuse_file_info* fi, int cmd, struct flock* lock) {
  return call_or<&fuse_operations::lock>(fs, -ENOSYS, path, fi, cmd, lock);
}
int fuse_fs_flock(fuse_fs* fs, const char* path, fuse_file_info* fi, int op) {
  return call_or<&fuse_operations::flock>(fs, -ENOSYS, path, fi, op);
}
int fuse_fs_chmod(fuse_fs* fs, const char* path, mode_t mode, fuse_file_info* fi) {
  return call_or<&fuse_operations::chmod>(fs, -ENOSYS, path, mode, fi);
}
int fuse_fs_chown(fuse_fs* fs, const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  return call_or<&fuse_operations::chown>(fs, -ENOSYS, path, uid, gid, fi);
}
int fuse_fs_truncate(fuse_fs* fs, const char* path, off_t size, fuse_file_info* fi) {
  return call_or<&fuse_operations::truncate>(fs, -ENOSYS, path, size, fi);
}
int fuse_fs_utimens(fuse_fs* fs, const char* path, const struct timespec tv[2], fuse_file_info* fi) {
  return call_or<&fuse_operations::utimens>(fs, -ENOSYS, path, tv, fi);
}
int fuse_fs_access(fuse_fs* fs, const char* path, int mask) {
  return call_or<&fuse_operations::access>(fs, -ENOSYS, path, mask);
}
int fuse_fs_readlink(fuse_fs* fs, const char* path, char* buf, size_t len) {
  return call_or<&fuse_operations::readlink>(fs, -ENOSYS, path, buf, len);
}
int fuse_fs_mknod(fuse_fs* fs, const char* path, mode_t mode, dev_t rdev) {
  return call_or<&fuse_operations::mknod>(fs, -ENOSYS, path, mode, rdev);
}
int fuse_fs_mkdir(fuse_fs* fs, const char* path, mode_t mode) {
  return call_or<&fuse_operations::mkdir>(fs, -ENOSYS, path, mode);
}
int fuse_fs_setxattr(fuse_fs* fs, const char* path, const char* name, const char* value, size_t size,
                     int flags) {
  return call_or<&fuse_operations::setxattr>(fs, -ENOSYS, path, name, value, size, flags);
}
int fuse_fs_getxattr(fuse_fs* fs, const char* path, const char* name, char* value, size_t size) {
  return call_or<&fuse_operations::getxattr>(fs, -ENOSYS, path, name, value, size);
}
int fuse_fs_listxattr(fuse_fs* fs, const char* path, char* list, size_t size) {
  return call_or<&fuse_operations::listxattr>(fs, -ENOSYS, path, list, size);
}
int fuse_fs_removexattr(fuse_fs* fs, const char* path, const char* name) {
  return call_or<&fuse_operations::removexattr>(fs, -ENOSYS, path, name);
}
int fuse_fs_bmap(fuse_fs* fs, const char* path, size_t blocksize, uint64_t* idx) {
  return call_or<&fuse_operations::bmap>(fs, -ENOSYS, path, blocksize, idx);
}
int fuse_fs_ioctl(fuse_fs* fs, const char* path, unsigned int cmd, void* arg, fuse_file_info* fi,
                  unsigned int flags, void* data) {
  return call_or<&fuse_operations::ioctl>(fs, -ENOSYS, path, cmd, arg, fi, flags, data);
}
int fuse_fs_poll(fuse_fs* fs, const char* path, fuse_file_info* fi, fuse_pollhandle* ph, unsigned* reventsp) {
  return call_or<&fuse_operations::poll>(fs, -ENOSYS, path, fi, ph, reventsp);
}
int fuse_fs_fallocate(fuse_fs* fs, const char* path, int mode, off_t offset, off_t length, fuse_file_info* fi) {
  return call_or<&fuse_operations::fallocate>(fs, -ENOSYS, path, mode, offset, length, fi);
}
ssize_t fuse_fs_copy_file_range(fuse_fs* fs, const char* path_in, fuse_file_info* fi_in, off_t off_in,
                                const char* path_out, fuse_file_info* fi_out, off_t off_out, size_t len,
                                int flags) {
  return call_or<&fuse_operations::copy_file_range>(fs, ssize_t{-ENOSYS}, path_in, fi_in, off_in, path_out,
                                                    fi_out, off_out, len, flags);
}
off_t fuse_fs_lseek(fuse_fs* fs, const char* path, off_t off, int whence, fuse_file_info* fi) {
  return call_or<&fuse_operations::lseek>(fs, off_t{-ENOSYS}, path, off, whence, fi);
}
int fuse_fs_statx(fuse_fs* fs, const char* path, int flags, int mask, struct statx* stxbuf, fuse_file_info* fi) {
  return call_or<&fuse_operations::statx>(fs, -ENOSYS, path, flags, mask, stxbuf, fi);
}
int fuse_fs_syncfs(fuse_fs* fs, const char* path) {
  return call_or<&fuse_operations::syncfs>(fs, -ENOSYS, path);
}

void fuse_fs_init(fuse_fs* fs, fuse_conn_info* conn, fuse_config* cfg) {
  if (fs->op.init) fs->user_data = fs->op.init(conn, cfg);
}
void fuse_fs_destroy(fuse_fs* fs) {
  if (fs->op.destroy) fs->op.destroy(fs->user_data);
  delete fs;
}

}  // extern "C"

namespace uringfuse::highlevel {

fuse_fs* new_fs(const fuse_operations* op, size_t op_size, void* private_data, CallerLayout layout) {
  if (op_size > sizeof(fuse_operations)) {
    fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may not work\n");
    op_size = sizeof(fuse_operations);
  }
  auto* fs = new fuse_fs;
  std::memcpy(&fs->op, op, op_size);  // a smaller struct from an older program: the rest stay NULL
  fs->layout = layout;
  fs->user_data = private_data;
  return fs;
}

}  // namespace uringfuse::highlevel
