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
