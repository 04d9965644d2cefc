// Connection set-up and the operations on names and attributes: lookup and forget,
// getattr/setattr/statx, readlink, access, statfs, syncfs.
#include "passthrough_fs.hpp"

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>

#include <uringfuse/log.hpp>

#include "credentials.hpp"
#include "fd_util.hpp"

namespace passthrough {

namespace uf = uringfuse;

namespace {
constexpr int kStatFlags = AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW;

// Filesystems whose close() does nothing a caller could see: no flush to a server,
// no error reported late. (Overlayfs is left out: its close is its lower layer's.)
// Filesystems io_uring cannot read without blocking: it hands every such read to a
// worker thread, which costs more than the daemon's own pread.
bool ring_reads_need_workers(int fd) {
  struct statfs sf {};
  if (::fstatfs(fd, &sf) < 0) return false;
  const auto type = static_cast<unsigned long>(sf.f_type);
  return type == TMPFS_MAGIC || type == RAMFS_MAGIC;
}

bool close_is_silent(int fd) {
  struct statfs sf {};
  if (::fstatfs(fd, &sf) < 0) return false;
  switch (static_cast<unsigned long>(sf.f_type)) {
    case TMPFS_MAGIC:
    case EXT4_SUPER_MAGIC:  // also ext2 and ext3
    case XFS_SUPER_MAGIC:
    case BTRFS_SUPER_MAGIC:
    case F2FS_SUPER_MAGIC:
      return true;
    default:
      return false;
  }
}
}  // namespace

std::string PassthroughFs::open_source(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) < 0) return path + ": " + std::strerror(errno);
  source_dev_ = st.st_dev;
  source_close_is_silent_ = close_is_silent(fd.get());
  ring_reads_need_workers_ = ring_reads_need_workers(fd.get());
  inodes_.set_root(fd.release(), st);
  return {};
}

void PassthroughFs::init(uf::ConnectionInfo& conn) {
  notifier_ = &conn.notifier();
  ring_io_ = options_.ring_io == Options::RingIo::on ||
             (options_.ring_io == Options::RingIo::automatic && !ring_reads_need_workers_);
  // Asynchronous direct I/O (libaio, io_uring in the caller) reaches a FUSE daemon as
  // background requests, of which the kernel lets 12 be out by default: a caller's
  // 16 or 64 reads in flight wait in the kernel while the source idles. Not raised
  // by default: with 128, callers writing during an aborted shutdown saw ENODATA
  // (Torture.SigtermMidStorm on /dev/fuse, 3 in 60 runs), not yet understood.
  if (options_.max_background > 0) conn.max_background = static_cast<std::uint16_t>(options_.max_background);
  // The kernel applies the caller's umask to every mode it sends unless dont_mask is
  // negotiated; keep it that way so modes can be used as they come.
  conn.unwant(uf::Capability::dont_mask);
  conn.want(uf::Capability::readdirplus);
  conn.want(uf::Capability::parallel_dirops);
  conn.want(uf::Capability::flock_locks);  // if refused, the kernel keeps flocks locally
  // Creating requests then carry the caller's group that owns the parent directory
  // (the one group a create can depend on), sparing a read of /proc/<pid>/status.
  conn.want(uf::Capability::create_supp_group);
  if (options_.timeout > 0) conn.want(uf::Capability::cache_symlinks);
  if (options_.direct_io) conn.want(uf::Capability::direct_io_allow_mmap);
  conn.time_gran = 1;  // the source's nanosecond timestamps pass through unrounded

  if (options_.writeback) {
    writeback_ = conn.want(uf::Capability::writeback_cache);
    if (!writeback_)
      uf::log(uf::LogLevel::warning, "passthrough: the kernel refused the writeback cache");
  }
  if (options_.passthrough) {
    // The kernel turns passthrough off when the writeback cache is on.
    if (writeback_)
      uf::log(uf::LogLevel::warning,
              "passthrough: --passthrough does not combine with --writeback; not using it");
    else if (conn.want(uf::Capability::passthrough))
      passthrough_ = true;
    else
      uf::log(uf::LogLevel::warning,
              "passthrough: the kernel does not offer FUSE passthrough (Linux 6.9+); "
              "serving reads and writes in the daemon");
  }
  // Set-user-ID and set-group-ID bits are then ours to clear, by writing, truncating
  // and chowning as the caller (file_ops.cpp, setattr()). Without it the kernel clears
  // them with a chmod sent as the writer, which the source refuses (EPERM, and the
  // write fails) when the writer may write the file but does not own it. Passthrough
  // files are written by the kernel with the daemon's credentials, which would keep
  // the bits: those stay with the kernel's chmod.
  if (!passthrough_ && !conn.want(uf::Capability::handle_killpriv_v2))
    uf::log(uf::LogLevel::warning, "passthrough: the kernel does not offer handle_killpriv_v2; "
            "writes to set-ID files by users who do not own them fail with EPERM");
}

void PassthroughFs::destroy() {
  // Not errors: after an abort the kernel releases nothing, and it does not send
  // forgets for everything before unmounting.
  const std::size_t files = files_.close_all(), dirs = dirs_.close_all();
  const std::size_t remaining = inodes_.clear();
  uf::log(uf::LogLevel::debug, "passthrough: closed %zu files and %zu directories still open; "
          "released the inode table (%zu inodes were still looked up)", files, dirs, remaining);
}

int PassthroughFs::fill_entry(const Inode& inode, uf::EntryParam& entry) {
  entry = {};
  if (::fstatat(inode.fd, "", &entry.attr, kStatFlags) < 0) return errno;
  entry.ino = inode.nodeid;
  entry.attr_timeout = entry.entry_timeout = timeout();
  return 0;
}

int PassthroughFs::do_lookup(const Inode& parent, std::string_view name, uf::EntryParam& entry) {
  if (int err = check_component(name)) return err;
  // The kernel does not look up "." or "..", but NFS export and hostile callers might:
  // ".." of the source directory is the source directory itself, never its parent.
  if (name == "." || (name == ".." && parent.nodeid == uf::kRootIno)) {
    if (int err = fill_entry(parent, entry)) return err;
    inodes_.add_lookup(parent);
    return 0;
  }
  std::string cname(name);
  // Most lookups find a file the kernel already knows: one fstatat() answers them,
  // instead of opening an O_PATH descriptor only to close it again. The descriptor we
  // hold keeps that inode alive, so its number cannot have been reused by another file.
  struct stat st {};
  if (::fstatat(parent.fd, cname.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return errno;
  std::shared_ptr<Inode> inode;
  if (st.st_dev == source_dev_) inode = inodes_.add_lookup_if_known(st);
  if (!inode) {
    // New to us: open it, and describe what was opened (the name may have changed).
    UniqueFd fd(::openat(parent.fd, cname.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return errno;
    if (::fstatat(fd.get(), "", &st, kStatFlags) < 0) return errno;
    if (st.st_dev == source_dev_) inode = inodes_.add_lookup(fd.release(), st);
  }
  if (!inode) {
    // Another filesystem mounted inside the source: its inode numbers could collide
    // with ours (and it may be this very mount). Hide it, as passthrough_hp does.
    if (!warned_crossing_.exchange(true))
      uf::log(uf::LogLevel::warning, "passthrough: '%s' is a mount point inside the source; "
              "mount points are not crossed", cname.c_str());
    return ENOTSUP;
  }
  entry = {};
  entry.ino = inode->nodeid;
  entry.attr = st;
  entry.attr_timeout = entry.entry_timeout = timeout();
  return 0;
}

void PassthroughFs::lookup(const uf::Request& req, uf::Ino parent, std::string_view name,
                           uf::ReplyEntry reply) {
  auto dir = inodes_.get(parent);
  if (!dir) return std::move(reply).error(ESTALE);
  uf::EntryParam entry;
  int err;
  {
    // As the caller: without default_permissions nobody else checks the directory's
    // search permission, and later opens go through /proc/self/fd, which checks only
    // the file's own mode. (A no-op for root callers, or a daemon that is not root.)
    CallerIdentity identity(req);
    err = do_lookup(*dir, name, entry);
  }
  // A cached "no such name" saves the next lookup; only when caching at all.
  if (err == ENOENT && options_.timeout > 0) return std::move(reply).negative(timeout());
  if (err) return std::move(reply).error(err);
  std::move(reply).entry(entry);
}

void PassthroughFs::forget(const uf::Request&, uf::Ino ino, std::uint64_t nlookup) {
  inodes_.forget(ino, nlookup);
}

void PassthroughFs::batch_forget(const uf::Request&, std::span<const uf::Forget> forgets) {
  for (const auto& f : forgets) inodes_.forget(f.ino, f.nlookup);
}

void PassthroughFs::getattr(const uf::Request&, uf::Ino ino, const uf::GetattrIn&,
                            uf::ReplyAttr reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  struct stat st {};
  if (::fstatat(inode->fd, "", &st, kStatFlags) < 0) return std::move(reply).error(errno);
  std::move(reply).attr(st, timeout());
}

void PassthroughFs::setattr(const uf::Request& req, uf::Ino ino, const uf::SetattrIn& in,
                            uf::ReplyAttr reply) {
  using F = uf::SetattrIn;
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  // An open file's descriptor when the kernel names one (ftruncate, futimens): it works
  // even where the path-based call would check permissions the caller already passed.
  const int fh_fd = in.has(F::fh) ? FileHandle::of(in.file_handle).fd.get() : -1;
  const ProcPath path(inode->fd);

  int err = 0;
  {
    // As the caller, a truncate or chown also clears set-ID bits the way the source
    // does for a local one; with handle_killpriv_v2 (init()) that is left to us.
    CallerIdentity identity(req);
    // Owner before mode: a chown may clear set-id bits that the same request sets.
    if (!err && (in.has(F::uid) || in.has(F::gid))) {
      uid_t uid = in.has(F::uid) ? in.new_uid : static_cast<uid_t>(-1);
      gid_t gid = in.has(F::gid) ? in.new_gid : static_cast<gid_t>(-1);
      if (::fchownat(inode->fd, "", uid, gid, kStatFlags) < 0) err = errno;
    }
    if (!err && in.has(F::mode)) {
      int rc = fh_fd >= 0 ? ::fchmod(fh_fd, in.new_mode) : ::chmod(path.c_str(), in.new_mode);
      if (rc < 0) err = errno;
    }
    if (!err && in.has(F::size)) {
      auto size = static_cast<off_t>(in.new_size);
      int rc = fh_fd >= 0 ? ::ftruncate(fh_fd, size) : ::truncate(path.c_str(), size);
      if (rc < 0) err = errno;
    }
    if (!err && (in.has(F::atime) || in.has(F::mtime) || in.has(F::atime_now) ||
                 in.has(F::mtime_now))) {
      auto pick = [&](F::Field now, F::Field set, const timespec& value) {
        if (in.has(now)) return timespec{0, UTIME_NOW};
        if (in.has(set)) return value;
        return timespec{0, UTIME_OMIT};
      };
      const timespec times[2] = {pick(F::atime_now, F::atime, in.new_atime),
                                 pick(F::mtime_now, F::mtime, in.new_mtime)};
      // The proc path of a symlink's O_PATH fd reaches the symlink itself.
      int rc = fh_fd >= 0 ? ::futimens(fh_fd, times) : ::utimensat(AT_FDCWD, path.c_str(), times, 0);
      if (rc < 0) err = errno;
    }
    // ctime cannot be set; the changes above update it anyway.
  }
  if (err) return std::move(reply).error(err);
  struct stat st {};
  if (::fstatat(inode->fd, "", &st, kStatFlags) < 0) return std::move(reply).error(errno);
  std::move(reply).attr(st, timeout());
}

void PassthroughFs::statx(const uf::Request&, uf::Ino ino, const uf::StatxIn& in,
                          uf::ReplyStatx reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  struct statx stx {};
  int flags = kStatFlags | static_cast<int>(in.flags & AT_STATX_SYNC_TYPE);
  if (::statx(inode->fd, "", flags, in.mask, &stx) < 0) return std::move(reply).error(errno);
  std::move(reply).statx(stx, timeout());
}

void PassthroughFs::readlink(const uf::Request&, uf::Ino ino, uf::ReplyReadlink reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  char target[PATH_MAX + 1];
  ssize_t n = ::readlinkat(inode->fd, "", target, sizeof target);
  if (n < 0) return std::move(reply).error(errno);
  if (static_cast<std::size_t>(n) == sizeof target) return std::move(reply).error(ENAMETOOLONG);
  std::move(reply).target(std::string_view(target, static_cast<std::size_t>(n)));
}

void PassthroughFs::access(const uf::Request& req, uf::Ino ino, int mask, uf::ReplyEmpty reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  // AT_EACCESS checks with the fsuid/fsgid, i.e. as the caller once switched (plain
  // access() would use the daemon's real uid).
  int err = as_caller(req, [&] {
    return ::faccessat(inode->fd, "", mask, AT_EMPTY_PATH | AT_EACCESS);
  });
  if (err) return std::move(reply).error(err);
  std::move(reply).ok();
}

void PassthroughFs::statfs(const uf::Request&, uf::Ino ino, uf::ReplyStatfs reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  struct statvfs st {};
  if (::fstatvfs(inode->fd, &st) < 0) return std::move(reply).error(errno);
  std::move(reply).statfs(st);
}

void PassthroughFs::syncfs(const uf::Request&, uf::Ino, uf::ReplyEmpty reply) {
  auto root = inodes_.root();
  if (!root) return std::move(reply).error(ESTALE);
  // syncfs() wants a real descriptor; an O_PATH one gives EBADF.
  UniqueFd fd(::openat(root->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::syncfs(fd.get()) < 0) return std::move(reply).error(errno);
  std::move(reply).ok();
}

}  // namespace passthrough
