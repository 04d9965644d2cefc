// What an operation does when the filesystem does not override it: the same answers
// libfuse gives for a missing lowlevel op, so ported filesystems behave the same.
#include <sys/statvfs.h>

#include <cerrno>

#include "uringfuse/filesystem.hpp"

namespace uringfuse {

void Filesystem::init(ConnectionInfo&) {}
void Filesystem::destroy() {}

void Filesystem::lookup(const Request&, Ino, std::string_view, ReplyEntry reply) {
  std::move(reply).error(ENOSYS);
}

void Filesystem::forget(const Request&, Ino, std::uint64_t) {}

void Filesystem::batch_forget(const Request& req, std::span<const Forget> forgets) {
  for (const auto& f : forgets) forget(req, f.ino, f.nlookup);
}

void Filesystem::getattr(const Request&, Ino, const GetattrIn&, ReplyAttr reply) {
  std::move(reply).error(ENOSYS);
}

// Stateless files need no open: succeed with handle 0.
void Filesystem::open(const Request&, Ino, const OpenIn&, ReplyOpen reply) {
  std::move(reply).open({});
}

void Filesystem::read(const Request&, Ino, const ReadIn&, ReplyData reply) {
  std::move(reply).error(ENOSYS);
}

void Filesystem::flush(const Request&, Ino, const FlushIn&, ReplyEmpty reply) {
  std::move(reply).error(ENOSYS);
}

void Filesystem::release(const Request&, Ino, const ReleaseIn&, ReplyEmpty reply) {
  std::move(reply).ok();
}

void Filesystem::opendir(const Request&, Ino, const OpenIn&, ReplyOpen reply) {
  std::move(reply).open({});
}

void Filesystem::readdir(const Request&, Ino, const ReadIn&, ReplyDirectory reply) {
  std::move(reply).error(ENOSYS);
}

void Filesystem::readdirplus(const Request&, Ino, const ReadIn&, ReplyDirectoryPlus reply) {
  std::move(reply).error(ENOSYS);
}

void Filesystem::releasedir(const Request&, Ino, const ReleaseIn&, ReplyEmpty reply) {
  std::move(reply).ok();
}

// An empty filesystem with libfuse's defaults, so df and statvfs callers work.
void Filesystem::statfs(const Request&, Ino, ReplyStatfs reply) {
  struct statvfs st {};
  st.f_namemax = 255;
  st.f_bsize = 512;
  std::move(reply).statfs(st);
}

void Filesystem::access(const Request&, Ino, int, ReplyEmpty reply) {
  std::move(reply).error(ENOSYS);
}

}  // namespace uringfuse

// Everything below answers ENOSYS, as libfuse does for a missing op. For several the
// kernel then stops asking and falls back on its own (fsync, flush, create -> mknod +
// open, copy_file_range -> read + write, locks kept locally).
namespace uringfuse {
namespace {
template <class Reply>
void not_implemented(Reply& reply) {
  std::move(reply).error(ENOSYS);
}
}  // namespace

void Filesystem::setattr(const Request&, Ino, const SetattrIn&, ReplyAttr r) { not_implemented(r); }
void Filesystem::readlink(const Request&, Ino, ReplyReadlink r) { not_implemented(r); }
void Filesystem::symlink(const Request&, Ino, std::string_view, std::string_view, ReplyEntry r) {
  not_implemented(r);
}
void Filesystem::mknod(const Request&, Ino, std::string_view, mode_t, dev_t, ReplyEntry r) {
  not_implemented(r);
}
void Filesystem::mkdir(const Request&, Ino, std::string_view, mode_t, ReplyEntry r) { not_implemented(r); }
void Filesystem::unlink(const Request&, Ino, std::string_view, ReplyEmpty r) { not_implemented(r); }
void Filesystem::rmdir(const Request&, Ino, std::string_view, ReplyEmpty r) { not_implemented(r); }
void Filesystem::rename(const Request&, Ino, std::string_view, Ino, std::string_view, unsigned,
                        ReplyEmpty r) {
  not_implemented(r);
}
void Filesystem::link(const Request&, Ino, Ino, std::string_view, ReplyEntry r) { not_implemented(r); }
void Filesystem::create(const Request&, Ino, std::string_view, mode_t, const OpenIn&, ReplyCreate r) {
  not_implemented(r);
}
void Filesystem::tmpfile(const Request&, Ino, mode_t, const OpenIn&, ReplyCreate r) { not_implemented(r); }
void Filesystem::write(const Request&, Ino, const WriteIn&, std::span<const std::byte>, ReplyWrite r) {
  not_implemented(r);
}
void Filesystem::fsync(const Request&, Ino, const FsyncIn&, ReplyEmpty r) { not_implemented(r); }
void Filesystem::fsyncdir(const Request&, Ino, const FsyncIn&, ReplyEmpty r) { not_implemented(r); }
void Filesystem::fallocate(const Request&, Ino, const FallocateIn&, ReplyEmpty r) { not_implemented(r); }
void Filesystem::lseek(const Request&, Ino, const LseekIn&, ReplyLseek r) { not_implemented(r); }
void Filesystem::copy_file_range(const Request&, Ino, const CopyFileRangeIn&, ReplyWrite r) {
  not_implemented(r);
}
void Filesystem::bmap(const Request&, Ino, const BmapIn&, ReplyBmap r) { not_implemented(r); }
void Filesystem::ioctl(const Request&, Ino, const IoctlIn&, std::span<const std::byte>, ReplyIoctl r) {
  not_implemented(r);
}
void Filesystem::poll(const Request&, Ino, const PollIn&, ReplyPoll r) { not_implemented(r); }
void Filesystem::statx(const Request&, Ino, const StatxIn&, ReplyStatx r) { not_implemented(r); }
void Filesystem::syncfs(const Request&, Ino, ReplyEmpty r) { not_implemented(r); }
void Filesystem::setxattr(const Request&, Ino, std::string_view, std::span<const std::byte>,
                          const SetxattrIn&, ReplyEmpty r) {
  not_implemented(r);
}
void Filesystem::getxattr(const Request&, Ino, std::string_view, ReplyXattr r) { not_implemented(r); }
void Filesystem::listxattr(const Request&, Ino, ReplyXattr r) { not_implemented(r); }
void Filesystem::removexattr(const Request&, Ino, std::string_view, ReplyEmpty r) { not_implemented(r); }
void Filesystem::getlk(const Request&, Ino, const LockIn&, ReplyLock r) { not_implemented(r); }
void Filesystem::setlk(const Request&, Ino, const LockIn&, bool, ReplyEmpty r) { not_implemented(r); }
void Filesystem::flock(const Request&, Ino, const FlockIn&, ReplyEmpty r) { not_implemented(r); }

}  // namespace uringfuse
