// Open files: open/create/tmpfile reopen or create the source file with the caller's
// flags; read, write and friends act on that descriptor. With --passthrough the kernel
// gets the source file as a backing file and does reads and writes itself.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <uringfuse/log.hpp>
#include <uringfuse/notifier.hpp>

#include "credentials.hpp"
#include "fd_util.hpp"
#include "passthrough_fs.hpp"

namespace passthrough {

namespace uf = uringfuse;

namespace {
// Whether the source file behind `fd` carries a set-user-ID or set-group-ID bit, which
// a write by someone without CAP_FSETID must clear.
bool has_setid_bits(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID));
}
}  // namespace

int PassthroughFs::source_open_flags(int kernel_flags) const {
  // O_NOFOLLOW would stop at the /proc magic link itself; the inode is known not to be
  // a symlink. O_DIRECT is dropped here because the caller's alignment is not ours to
  // keep (FUSE does not enforce it); aligned reads get an O_DIRECT descriptor of their
  // own (FileHandle::direct_fd), so they still reach the disk. O_CREAT/O_EXCL are for
  // create() to add.
  int flags = kernel_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECT);
  flags |= O_CLOEXEC;
  if (writeback_) {
    // The writeback cache reads pages in to fill partial writes, so a write-only file
    // must be readable too; and the kernel, which knows the size, positions appends.
    if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
    flags &= ~O_APPEND;
  }
  return flags;
}

uf::OpenResult PassthroughFs::open_result(Inode& inode, FileHandle& handle, int open_flags) {
  uf::OpenResult result;
  result.fh = handle.fh();
  // An O_DIRECT open gets FOPEN_DIRECT_IO too: the kernel then skips its page-cache
  // path, which (with attribute caching off) revalidates the attributes with a
  // GETATTR before every read. Passthrough files keep their kernel-side I/O instead.
  result.direct_io = options_.direct_io || (!options_.passthrough && (open_flags & O_DIRECT));
  result.parallel_direct_writes = result.direct_io;
  // Cached pages stay valid across opens when attributes may be cached at all.
  result.keep_cache = !result.direct_io && options_.timeout > 0;
  // FLUSH only replays close() on the source: skip it where that close does nothing
  // (the kernel still writes back cached data first), and for a read-only file when
  // nothing is cached. Saves a round trip per close().
  result.noflush = source_close_is_silent_ ||
                   (options_.timeout == 0 && (open_flags & O_ACCMODE) == O_RDONLY);
  if ((open_flags & O_DIRECT) && (open_flags & O_ACCMODE) != O_WRONLY && !options_.passthrough) {
    // The caller may read: it was checked when `fd` was opened as the caller. Opened
    // as the daemon, read-only; if the source refuses O_DIRECT, reads stay buffered.
    handle.direct_fd = UniqueFd(::open(ProcPath(handle.fd.get()).c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  }
  if (!options_.passthrough) return result;

  std::lock_guard lock(inode.backing_mutex);
  if (inode.backing_id == 0 && passthrough_) {
    // Registered as the daemon, not the caller: the kernel opens the backing file for
    // each later open with these credentials.
    int id = notifier_->backing_open(handle.fd.get());
    if (id > 0) {
      inode.backing_id = id;
    } else if (passthrough_.exchange(false)) {
      // Stop trying: mixing passthrough and normal opens of one inode fails in the kernel.
      uf::log(uf::LogLevel::warning,
              "passthrough: the kernel refused a backing file (%s); serving reads and "
              "writes in the daemon from now on", std::strerror(-id));
    }
  }
  // Every open of an inode that has a backing file must use it. The kernel refuses
  // page-cache flags with it (EIO to the caller): the data never enters our cache.
  if (inode.backing_id > 0) {
    ++inode.backing_users;
    handle.backing = true;
    result.backing_id = inode.backing_id;
    result.keep_cache = false;
  }
  return result;
}

void PassthroughFs::drop_backing(Inode& inode, FileHandle& handle) {
  if (!handle.backing) return;
  std::lock_guard lock(inode.backing_mutex);
  handle.backing = false;
  if (--inode.backing_users > 0) return;
  notifier_->backing_close(inode.backing_id);
  inode.backing_id = 0;
}

std::shared_ptr<Inode> PassthroughFs::enter_open_file(int fd, uf::EntryParam& entry, int& err) {
  entry = {};
  err = 0;
  // The table keeps an O_PATH descriptor: holding the open one could make the file
  // "busy" (ETXTBSY on exec) long after the caller closed it.
  int path_fd = -1;
  if (::fstat(fd, &entry.attr) < 0 ||
      (path_fd = ::open(ProcPath(fd).c_str(), O_PATH | O_CLOEXEC)) < 0) {
    err = errno;
    return nullptr;
  }
  auto inode = inodes_.add_lookup(path_fd, entry.attr);
  entry.ino = inode->nodeid;
  entry.attr_timeout = entry.entry_timeout = timeout();
  return inode;
}

void PassthroughFs::open(const uf::Request& req, uf::Ino ino, const uf::OpenIn& in,
                         uf::ReplyOpen reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  if (inode->type == S_IFLNK) return std::move(reply).error(ELOOP);
  const ProcPath path(inode->fd);
  const int flags = source_open_flags(in.flags);
  int fd = -1;
  int err = 0;
  {
    CallerIdentity identity(req);
    fd = ::open(path.c_str(), flags);
    // Widened to O_RDWR for the writeback cache but the caller may only write: open
    // as asked; the kernel then cannot fill partial pages, but plain writes work.
    if (fd < 0 && errno == EACCES && (flags & O_ACCMODE) != (in.flags & O_ACCMODE))
      fd = ::open(path.c_str(), (flags & ~O_ACCMODE) | (in.flags & O_ACCMODE));
    if (fd < 0) err = errno;
  }
  if (err) return std::move(reply).error(err);
  auto* handle = files_.add(new FileHandle(fd));
  std::move(reply).open(open_result(*inode, *handle, in.flags));
}

void PassthroughFs::create(const uf::Request& req, uf::Ino parent, std::string_view name,
                           mode_t mode, const uf::OpenIn& in, uf::ReplyCreate reply) {
  auto dir = inodes_.get(parent);
  if (!dir) return std::move(reply).error(ESTALE);
  if (int err = check_new_name(name)) return std::move(reply).error(err);
  std::string cname(name);
  // O_NOFOLLOW: a symlink that appeared under this name meanwhile is not followed.
  const int flags = source_open_flags(in.flags) | (in.flags & O_EXCL) | O_CREAT | O_NOFOLLOW;
  int fd = -1;
  int err = 0;
  {
    CallerIdentity identity(req);
    fd = ::openat(dir->fd, cname.c_str(), flags, mode);
    if (fd < 0) err = errno;
  }
  if (err) return std::move(reply).error(err);
  UniqueFd owned(fd);
  uf::EntryParam entry;
  auto inode = enter_open_file(fd, entry, err);
  if (!inode) return std::move(reply).error(err);
  auto* handle = files_.add(new FileHandle(owned.release()));
  std::move(reply).created(entry, open_result(*inode, *handle, in.flags));
}

void PassthroughFs::tmpfile(const uf::Request& req, uf::Ino parent, mode_t mode,
                            const uf::OpenIn& in, uf::ReplyCreate reply) {
  auto dir = inodes_.get(parent);
  if (!dir) return std::move(reply).error(ESTALE);
  // O_EXCL keeps its O_TMPFILE meaning: the file may never be linked in.
  const int flags = source_open_flags(in.flags & ~O_TMPFILE) | (in.flags & O_EXCL) | O_TMPFILE;
  int fd = -1;
  int err = 0;
  {
    CallerIdentity identity(req);
    fd = ::openat(dir->fd, ".", flags, mode);
    if (fd < 0) err = errno;
  }
  if (err) return std::move(reply).error(err);
  UniqueFd owned(fd);
  uf::EntryParam entry;
  auto inode = enter_open_file(fd, entry, err);
  if (!inode) return std::move(reply).error(err);
  auto* handle = files_.add(new FileHandle(owned.release()));
  std::move(reply).created(entry, open_result(*inode, *handle, in.flags));
}

void PassthroughFs::read(const uf::Request& req, uf::Ino, const uf::ReadIn& in, uf::ReplyData reply) {
  wait_for_backend();
  const FileHandle& handle = FileHandle::of(in.fh);
  const bool aligned_memory = reply.lends_buffer();  // a ring entry's payload: page-aligned
  if (handle.direct_fd && !aligned_memory && !uses_ring_io(req)) return read_direct_here(handle, in, std::move(reply));
  const int fd = handle.read_fd(in.offset, in.size, aligned_memory);
  if (uses_ring_io(req)) {
    read_on_ring(req.io(), fd, in.offset, in.size, std::move(reply));
    return;
  }
  // The library reads the file into the reply: over io_uring straight into the ring
  // entry's payload, queued together with the answer in one submission.
  std::move(reply).from_file(fd, static_cast<off_t>(in.offset), in.size);
}

// An O_DIRECT read over /dev/fuse: the reply's own memory is not aligned, so read
// into a page-aligned buffer of this thread's, then send it.
void PassthroughFs::read_direct_here(const FileHandle& handle, const uf::ReadIn& in, uf::ReplyData reply) {
  constexpr std::size_t kMax = std::size_t{1} << 20;
  thread_local std::unique_ptr<std::byte, decltype(&std::free)> buffer(
      static_cast<std::byte*>(std::aligned_alloc(FileHandle::kDirectAlign, kMax)), &std::free);
  if (!buffer) return std::move(reply).error(ENOMEM);
  const std::size_t size = std::min<std::size_t>({in.size, reply.max_size(), kMax});
  const auto offset = static_cast<off_t>(in.offset);
  ssize_t n = ::pread(handle.read_fd(in.offset, size, true), buffer.get(), size, offset);
  if (n < 0 && errno == EINVAL) n = ::pread(handle.fd.get(), buffer.get(), size, offset);  // alignment refused
  if (n < 0) return std::move(reply).error(errno);
  std::move(reply).bytes(std::span<const std::byte>(buffer.get(), static_cast<std::size_t>(n)));
}

void PassthroughFs::write(const uf::Request& req, uf::Ino, const uf::WriteIn& in,
                          std::span<const std::byte> data, uf::ReplyWrite reply) {
  wait_for_backend();
  const int fd = FileHandle::of(in.fh).fd.get();
  // With handle_killpriv_v2 the kernel flags every write by a caller without CAP_FSETID
  // and leaves the set-ID bits to us. Writing such a file as the caller lets the source
  // clear them as it would for a local writer, in the same step as the write: S_ISUID,
  // and S_ISGID if group-executable or the caller is not in the file's group. As the
  // daemon (root) they would stay. The fstat spares ordinary files the switch.
  const bool as_caller = in.kill_suidgid() && has_setid_bits(fd);
  // The ring writes with the daemon's credentials: a write as the caller stays here.
  if (!as_caller && uses_ring_io(req)) {
    write_on_ring(req.io(), fd, in.offset, data, std::move(reply));
    return;
  }
  std::optional<CallerIdentity> identity;
  if (as_caller) identity.emplace(req);
  ssize_t n;
  do {
    n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(in.offset));
  } while (n < 0 && errno == EINTR);
  const int err = n < 0 ? errno : 0;
  identity.reset();  // before answering: the caller may write again at once
  if (err) return std::move(reply).error(err);
  std::move(reply).written(static_cast<std::uint64_t>(n));
}

void PassthroughFs::flush(const uf::Request&, uf::Ino, const uf::FlushIn& in,
                          uf::ReplyEmpty reply) {
  // Each close(2) of the caller's file arrives here; closing a duplicate reports the
  // same errors (NFS write-back, quotas) without closing our descriptor.
  int dup_fd = ::dup(FileHandle::of(in.fh).fd.get());
  if (dup_fd < 0 || ::close(dup_fd) < 0) return std::move(reply).error(errno);
  std::move(reply).ok();
}

void PassthroughFs::release(const uf::Request&, uf::Ino ino, const uf::ReleaseIn& in,
                            uf::ReplyEmpty reply) {
  auto* handle = &FileHandle::of(in.fh);
  if (handle->backing) {
    if (auto inode = inodes_.get(ino)) drop_backing(*inode, *handle);
  }
  files_.close(handle);
  std::move(reply).ok();
}

void PassthroughFs::fsync(const uf::Request&, uf::Ino, const uf::FsyncIn& in,
                          uf::ReplyEmpty reply) {
  const int fd = FileHandle::of(in.fh).fd.get();
  if ((in.datasync ? ::fdatasync(fd) : ::fsync(fd)) < 0) return std::move(reply).error(errno);
  std::move(reply).ok();
}

void PassthroughFs::fallocate(const uf::Request& req, uf::Ino, const uf::FallocateIn& in,
                              uf::ReplyEmpty reply) {
  // Every mode (keep size, punch hole, zero range, ...) is the source filesystem's call.
  // FALLOCATE carries no kill flag; a set-ID file is changed as the caller, so that the
  // source clears the bits as it does for a local fallocate() (see write()).
  const int fd = FileHandle::of(in.fh).fd.get();
  std::optional<CallerIdentity> identity;
  if (has_setid_bits(fd)) identity.emplace(req);
  const auto offset = static_cast<off_t>(in.offset), length = static_cast<off_t>(in.length);
  const int err = ::fallocate(fd, in.mode, offset, length) < 0 ? errno : 0;
  identity.reset();
  if (err) return std::move(reply).error(err);
  std::move(reply).ok();
}

void PassthroughFs::lseek(const uf::Request&, uf::Ino, const uf::LseekIn& in,
                          uf::ReplyLseek reply) {
  // SEEK_DATA and SEEK_HOLE need the source file's extent map, so they come here.
  off_t off = ::lseek(FileHandle::of(in.fh).fd.get(), in.offset, in.whence);
  if (off < 0) return std::move(reply).error(errno);
  std::move(reply).offset(static_cast<std::uint64_t>(off));
}

void PassthroughFs::copy_file_range(const uf::Request& req, uf::Ino, const uf::CopyFileRangeIn& in,
                                    uf::ReplyWrite reply) {
  loff_t off_in = static_cast<loff_t>(in.offset_in);
  loff_t off_out = static_cast<loff_t>(in.offset_out);
  const int fd_out = FileHandle::of(in.fh_out).fd.get();
  // No kill flag here either: into a set-ID file, copy as the caller (see fallocate()).
  std::optional<CallerIdentity> identity;
  if (has_setid_bits(fd_out)) identity.emplace(req);
  ssize_t n =
      ::copy_file_range(FileHandle::of(in.fh_in).fd.get(), &off_in, fd_out, &off_out,
                        static_cast<std::size_t>(in.length), static_cast<unsigned>(in.flags));
  const int err = n < 0 ? errno : 0;
  identity.reset();
  if (err) return std::move(reply).error(err);
  std::move(reply).written(static_cast<std::uint64_t>(n));
}

void PassthroughFs::flock(const uf::Request& req, uf::Ino, const uf::FlockIn& in,
                          uf::ReplyEmpty reply) {
  const int fd = FileHandle::of(in.fh).fd.get();
  // A waiting flock() would hold a worker thread until the lock is free, deaf to the
  // caller's signals. Poll instead, with back-off, and give up when interrupted.
  const bool wait = !(in.operation & LOCK_NB) && (in.operation & LOCK_UN) == 0;
  auto delay = std::chrono::microseconds(500);
  for (;;) {
    if (::flock(fd, in.operation | (wait ? LOCK_NB : 0)) == 0) return std::move(reply).ok();
    if (!wait || errno != EWOULDBLOCK) return std::move(reply).error(errno);
    if (req.interrupted()) return std::move(reply).error(EINTR);
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::microseconds(50'000));
  }
}

}  // namespace passthrough
