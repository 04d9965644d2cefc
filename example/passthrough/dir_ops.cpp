// Directory listings: opendir keeps a DIR stream per handle; readdir and readdirplus
// continue it from telldir() offsets, and readdirplus counts a lookup for each entry
// it hands over (and only for those).
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "credentials.hpp"
#include "fd_util.hpp"
#include "passthrough_fs.hpp"

namespace passthrough {

namespace uf = uringfuse;

namespace {
mode_t type_of(const dirent& e) { return DTTOIF(e.d_type); }  // 0 for DT_UNKNOWN
}  // namespace

void PassthroughFs::opendir(const uf::Request& req, uf::Ino ino, const uf::OpenIn&,
                            uf::ReplyOpen reply) {
  auto inode = inodes_.get(ino);
  if (!inode) return std::move(reply).error(ESTALE);
  int fd = -1;
  // As the caller: listing a directory needs its read permission, and only that. The
  // /proc path reopens the very inode (as open() does for files); openat(fd, ".")
  // would also need search permission on it, which open(O_DIRECTORY) does not.
  const ProcPath path(inode->fd);
  int err = as_caller(req, [&] {
    return fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  });
  if (err) return std::move(reply).error(err);
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    err = errno;
    ::close(fd);
    return std::move(reply).error(err);
  }
  auto* handle = dirs_.add(new DirHandle(dir));
  uf::OpenResult result;
  result.fh = handle->fh();
  // Listings may be cached like entries; the kernel still drops them when it sees the
  // directory's mtime change.
  result.cache_dir = result.keep_cache = options_.timeout > 0;
  std::move(reply).open(result);
}

template <bool Plus, class Reply>
void PassthroughFs::list_directory(uf::Ino ino, const uf::ReadIn& in, Reply reply) {
  auto& handle = DirHandle::of(in.fh);
  std::shared_ptr<Inode> dir;
  if constexpr (Plus) {
    dir = inodes_.get(ino);
    if (!dir) return std::move(reply).error(ESTALE);
  }
  int err = 0;
  {
    std::lock_guard lock(handle.mutex);
    if (static_cast<long>(in.offset) != handle.offset) {
      ::seekdir(handle.dir, static_cast<long>(in.offset));  // offset 0 rewinds
      handle.offset = static_cast<long>(in.offset);
    }
    bool any = false;
    for (;;) {
      errno = 0;
      const dirent* e = ::readdir(handle.dir);
      if (!e) {
        // An error after some entries: hand those over; the next call reports it.
        if (errno != 0 && !any) err = errno;
        break;
      }
      const std::string_view name = e->d_name;
      bool added;
      if constexpr (Plus) {
        uf::EntryParam entry;
        bool counted = false;
        int looked = is_dot_or_dotdot(name) ? EINVAL : do_lookup(*dir, name, entry);
        if (looked == ENOENT) {  // removed since the listing was read
          handle.offset = e->d_off;
          continue;
        }
        if (looked == 0) {
          counted = true;
        } else {
          // "." and "..", or an entry that cannot be looked up now: a plain entry
          // (node id 0), which the kernel neither counts nor caches.
          entry = {};
          entry.attr.st_ino = e->d_ino;
          entry.attr.st_mode = type_of(*e);
        }
        added = reply.add(name, entry, static_cast<std::uint64_t>(e->d_off));
        if (!added && counted) inodes_.forget(entry.ino, 1);  // the kernel never saw it
      } else {
        added = reply.add(name, e->d_ino, type_of(*e), static_cast<std::uint64_t>(e->d_off));
      }
      if (!added) {
        // The kernel's buffer is full; step back so this entry comes first next time.
        ::seekdir(handle.dir, handle.offset);
        break;
      }
      any = true;
      handle.offset = e->d_off;
    }
  }
  // Answered only after unlocking: once the answer is out, the caller may close the
  // directory, and RELEASEDIR on another thread deletes the handle with its mutex
  // (ThreadSanitizer caught the unlock landing after that).
  if (err) return std::move(reply).error(err);
  std::move(reply).done();
}

void PassthroughFs::readdir(const uf::Request&, uf::Ino ino, const uf::ReadIn& in,
                            uf::ReplyDirectory reply) {
  list_directory<false>(ino, in, std::move(reply));
}

void PassthroughFs::readdirplus(const uf::Request&, uf::Ino ino, const uf::ReadIn& in,
                                uf::ReplyDirectoryPlus reply) {
  list_directory<true>(ino, in, std::move(reply));
}

void PassthroughFs::releasedir(const uf::Request&, uf::Ino, const uf::ReleaseIn& in,
                               uf::ReplyEmpty reply) {
  dirs_.close(&DirHandle::of(in.fh));
  std::move(reply).ok();
}

void PassthroughFs::fsyncdir(const uf::Request&, uf::Ino, const uf::FsyncIn& in,
                             uf::ReplyEmpty reply) {
  auto& handle = DirHandle::of(in.fh);
  const int fd = ::dirfd(handle.dir);
  if ((in.datasync ? ::fdatasync(fd) : ::fsync(fd)) < 0) return std::move(reply).error(errno);
  std::move(reply).ok();
}

}  // namespace passthrough
