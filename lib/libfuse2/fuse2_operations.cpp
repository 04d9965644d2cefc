#include "libfuse2/fuse2_operations.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace uringfuse::fuse2 {

// getdir's handle: where its names go.
struct DirHandle {
  void* buf;
  fuse_fill_dir_t filler;
};

namespace {

Operations g_ops{};  // the filesystem's; zero past the size it passed
fuse_operations g_adapted{};

// libfuse 2's FUSE_CAP_BIG_WRITES: always on in libfuse 3, which took the bit back.
constexpr unsigned kBigWrites2 = 1u << 5;

FileInfo to_2(const fuse_file_info* fi) {
  FileInfo f{};
  f.flags = fi->flags;
  f.fh_old = static_cast<unsigned long>(fi->fh);
  f.writepage = fi->writepage;
  f.direct_io = fi->direct_io;
  f.keep_cache = fi->keep_cache;
  f.flush = fi->flush;
  f.nonseekable = fi->nonseekable;
  f.flock_release = fi->flock_release;
  f.fh = fi->fh;
  f.lock_owner = fi->lock_owner;
  return f;
}

// What a 2.x call may answer through its fuse_file_info: the handle and open flags.
void from_2(const FileInfo& f, fuse_file_info* fi) {
  fi->fh = f.fh;
  fi->direct_io = f.direct_io;
  fi->keep_cache = f.keep_cache;
  fi->nonseekable = f.nonseekable;
}

// Runs `call` with `fi` in 2.9's layout (a null one stays null), then takes back
// what the filesystem set in it.
template <class Call>
int with_info(fuse_file_info* fi, Call&& call) {
  if (!fi) return call(nullptr);
  FileInfo f = to_2(fi);
  const int res = call(&f);
  from_2(f, fi);
  return res;
}

int getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (fi && g_ops.fgetattr) return with_info(fi, [&](FileInfo* f) { return g_ops.fgetattr(path, st, f); });
  return g_ops.getattr ? g_ops.getattr(path, st) : -ENOSYS;
}

int rename(const char* from, const char* to, unsigned int flags) {
  return flags ? -EINVAL : g_ops.rename(from, to);  // 2.x knows no RENAME_NOREPLACE/EXCHANGE
}

int chmod(const char* path, mode_t mode, fuse_file_info*) { return g_ops.chmod(path, mode); }
int chown(const char* path, uid_t uid, gid_t gid, fuse_file_info*) { return g_ops.chown(path, uid, gid); }

int truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (fi && g_ops.ftruncate) return with_info(fi, [&](FileInfo* f) { return g_ops.ftruncate(path, size, f); });
  return g_ops.truncate ? g_ops.truncate(path, size) : -ENOSYS;
}

// The calls whose only change is the fuse_file_info layout.
int open(const char* path, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.open(path, f); });
}
int read(const char* path, char* buf, size_t size, off_t off, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.read(path, buf, size, off, f); });
}
int write(const char* path, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.write(path, buf, size, off, f); });
}
int flush(const char* path, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.flush(path, f); });
}
int release(const char* path, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.release(path, f); });
}
int fsync(const char* path, int datasync, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.fsync(path, datasync, f); });
}
int opendir(const char* path, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.opendir(path, f); });
}
int releasedir(const char* path, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.releasedir(path, f); });
}
int fsyncdir(const char* path, int datasync, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.fsyncdir(path, datasync, f); });
}
int create(const char* path, mode_t mode, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.create(path, mode, f); });
}
int lock(const char* path, fuse_file_info* fi, int cmd, struct flock* lk) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.lock(path, f, cmd, lk); });
}
int flock(const char* path, fuse_file_info* fi, int op) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.flock(path, f, op); });
}
int fallocate(const char* path, int mode, off_t off, off_t len, fuse_file_info* fi) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.fallocate(path, mode, off, len, f); });
}
int ioctl(const char* path, unsigned int cmd, void* arg, fuse_file_info* fi, unsigned int flags, void* data) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.ioctl(path, static_cast<int>(cmd), arg, f, flags, data); });
}
int poll(const char* path, fuse_file_info* fi, fuse_pollhandle* ph, unsigned* reventsp) {
  return with_info(fi, [&](FileInfo* f) { return g_ops.poll(path, f, ph, reventsp); });
}

int write_buf(const char* path, fuse_bufvec* buf, off_t off, fuse_file_info* fi) {
  compat::Bufvec30 theirs(buf);
  return with_info(fi, [&](FileInfo* f) { return g_ops.write_buf(path, theirs.get(), off, f); });
}

int read_buf(const char* path, fuse_bufvec** bufp, size_t size, off_t off, fuse_file_info* fi) {
  compat::fuse_bufvec_30* theirs = nullptr;
  const int res = with_info(fi, [&](FileInfo* f) { return g_ops.read_buf(path, &theirs, size, off, f); });
  if (!theirs) return res;
  *bufp = compat::adopt_30(theirs);
  return *bufp || res != 0 ? res : -ENOMEM;
}

// readdir's 2.x filler has no flags: it is given a pair of the caller's buffer and filler.
int fill_2(void* pair, const char* name, const struct stat* st, off_t off) {
  auto* h = static_cast<DirHandle*>(pair);
  return h->filler(h->buf, name, st, off, static_cast<fuse_fill_dir_flags>(0));
}

// getdir's filler names an entry by type and inode, never by offset.
int getdir_fill(DirHandle* h, const char* name, int type, ino_t ino) {
  struct stat st {};
  st.st_ino = ino;
  st.st_mode = static_cast<mode_t>(type) << 12;
  return h->filler(h->buf, name, &st, 0, static_cast<fuse_fill_dir_flags>(0)) ? -ENOMEM : 0;
}

int readdir(const char* path, void* buf, fuse_fill_dir_t filler, off_t off, fuse_file_info* fi,
            fuse_readdir_flags) {
  DirHandle h{buf, filler};
  if (!g_ops.readdir) return g_ops.getdir(path, &h, getdir_fill);
  return with_info(fi, [&](FileInfo* f) { return g_ops.readdir(path, &h, fill_2, off, f); });
}

bool is_special(const timespec& t) { return t.tv_nsec == UTIME_NOW || t.tv_nsec == UTIME_OMIT; }

// A filesystem without flag_utime_omit_ok gets real times, as libfuse 2 gave it: now
// for UTIME_NOW, the file's own for UTIME_OMIT.
int resolve_times(const char* path, const timespec in[2], timespec out[2]) {
  struct stat st {};
  bool have_stat = false;
  for (int i = 0; i < 2; ++i) {
    out[i] = in[i];
    if (in[i].tv_nsec == UTIME_NOW) {
      clock_gettime(CLOCK_REALTIME, &out[i]);
    } else if (in[i].tv_nsec == UTIME_OMIT) {
      if (!have_stat) {
        const int res = g_ops.getattr ? g_ops.getattr(path, &st) : -ENOSYS;
        if (res != 0) return res;
        have_stat = true;
      }
      out[i] = i == 0 ? st.st_atim : st.st_mtim;
    }
  }
  return 0;
}

int utimens(const char* path, const timespec tv[2], fuse_file_info*) {
  timespec times[2];
  if (g_ops.utimens && (g_ops.flag_utime_omit_ok || (!is_special(tv[0]) && !is_special(tv[1]))))
    return g_ops.utimens(path, tv);
  if (int res = resolve_times(path, tv, times); res != 0) return res;
  if (g_ops.utimens) return g_ops.utimens(path, times);
  utimbuf old{times[0].tv_sec, times[1].tv_sec};
  return g_ops.utime(path, &old);
}

void* init(fuse_conn_info* conn, fuse_config* cfg) {
  if (g_ops.flag_nullpath_ok || g_ops.flag_nopath) cfg->nullpath_ok = 1;
  if (!g_ops.init) return fuse_get_context()->private_data;
  ConnInfo c{};
  c.proto_major = conn->proto_major;
  c.proto_minor = conn->proto_minor;
  c.async_read = (conn->want & FUSE_CAP_ASYNC_READ) != 0;
  c.max_write = conn->max_write;
  c.max_readahead = conn->max_readahead;
  c.capable = conn->capable | kBigWrites2;
  c.want = conn->want;
  c.max_background = conn->max_background;
  c.congestion_threshold = conn->congestion_threshold;
  void* private_data = g_ops.init(&c);
  // Asynchronous reads if either says so, as libfuse 2 decided.
  conn->want = (c.want & ~kBigWrites2) | (c.async_read ? FUSE_CAP_ASYNC_READ : 0);
  conn->max_write = c.max_write;
  conn->max_readahead = c.max_readahead;
  conn->max_background = c.max_background;
  conn->congestion_threshold = c.congestion_threshold;
  return private_data;
}

}  // namespace

const fuse_operations& adapt(const Operations* ops, std::size_t size) {
  g_ops = Operations{};
  std::memcpy(&g_ops, ops, std::min(size, sizeof g_ops));
  fuse_operations& a = g_adapted;
  a = fuse_operations{};
  // The same signatures in both versions.
  a.readlink = g_ops.readlink;
  a.mknod = g_ops.mknod;
  a.mkdir = g_ops.mkdir;
  a.unlink = g_ops.unlink;
  a.rmdir = g_ops.rmdir;
  a.symlink = g_ops.symlink;
  a.link = g_ops.link;
  a.statfs = g_ops.statfs;
  a.setxattr = g_ops.setxattr;
  a.getxattr = g_ops.getxattr;
  a.listxattr = g_ops.listxattr;
  a.removexattr = g_ops.removexattr;
  a.destroy = g_ops.destroy;
  a.access = g_ops.access;
  a.bmap = g_ops.bmap;
  // The ones that change: each only where the filesystem has it.
  a.init = init;
  if (g_ops.getattr || g_ops.fgetattr) a.getattr = getattr;
  if (g_ops.rename) a.rename = rename;
  if (g_ops.chmod) a.chmod = chmod;
  if (g_ops.chown) a.chown = chown;
  if (g_ops.truncate || g_ops.ftruncate) a.truncate = truncate;
  if (g_ops.utimens || g_ops.utime) a.utimens = utimens;
  if (g_ops.readdir || g_ops.getdir) a.readdir = readdir;
  if (g_ops.open) a.open = open;
  if (g_ops.read) a.read = read;
  if (g_ops.write) a.write = write;
  if (g_ops.flush) a.flush = flush;
  if (g_ops.release) a.release = release;
  if (g_ops.fsync) a.fsync = fsync;
  if (g_ops.opendir) a.opendir = opendir;
  if (g_ops.releasedir) a.releasedir = releasedir;
  if (g_ops.fsyncdir) a.fsyncdir = fsyncdir;
  if (g_ops.create) a.create = create;
  if (g_ops.lock) a.lock = lock;
  if (g_ops.flock) a.flock = flock;
  if (g_ops.fallocate) a.fallocate = fallocate;
  if (g_ops.ioctl) a.ioctl = ioctl;
  if (g_ops.poll) a.poll = poll;
  if (g_ops.write_buf) a.write_buf = write_buf;
  if (g_ops.read_buf) a.read_buf = read_buf;
  return a;
}

}  // namespace uringfuse::fuse2
