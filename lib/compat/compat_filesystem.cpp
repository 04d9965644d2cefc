// Each operation: libfuse's argument shapes in, the C function called, or libfuse's
// answer for a missing operation.
#include "compat/compat_filesystem.hpp"

#include <sys/file.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <utility>

#include "uringfuse/log.hpp"

namespace uringfuse::compat {
namespace {

fuse_file_info file_info(std::uint64_t fh, std::int32_t flags = 0) {
  fuse_file_info fi{};
  fi.fh = fh;
  fi.flags = flags;
  return fi;
}

// The kernel's inclusive end (OFFSET_MAX for "to the end") as struct flock.
struct flock to_flock(const FileLock& l) {
  struct flock f {};
  f.l_type = static_cast<short>(l.type);
  f.l_whence = SEEK_SET;
  f.l_start = static_cast<off_t>(l.start);
  f.l_len = l.end >= static_cast<std::uint64_t>(LLONG_MAX) ? 0 : static_cast<off_t>(l.end - l.start + 1);
  f.l_pid = static_cast<pid_t>(l.pid);
  return f;
}

}  // namespace

OperationSet CompatFilesystem::implemented() const {
  OperationSet set;
  const auto& o = ops();
#define URINGFUSE_COMPAT_HAS(name) \
  if (o.name) set.add(Operation::name);
  URINGFUSE_COMPAT_HAS(lookup) URINGFUSE_COMPAT_HAS(forget) URINGFUSE_COMPAT_HAS(getattr)
  URINGFUSE_COMPAT_HAS(setattr) URINGFUSE_COMPAT_HAS(readlink) URINGFUSE_COMPAT_HAS(mknod)
  URINGFUSE_COMPAT_HAS(mkdir) URINGFUSE_COMPAT_HAS(unlink) URINGFUSE_COMPAT_HAS(rmdir)
  URINGFUSE_COMPAT_HAS(symlink) URINGFUSE_COMPAT_HAS(rename) URINGFUSE_COMPAT_HAS(link)
  URINGFUSE_COMPAT_HAS(open) URINGFUSE_COMPAT_HAS(read) URINGFUSE_COMPAT_HAS(flush)
  URINGFUSE_COMPAT_HAS(release) URINGFUSE_COMPAT_HAS(fsync) URINGFUSE_COMPAT_HAS(opendir)
  URINGFUSE_COMPAT_HAS(readdir) URINGFUSE_COMPAT_HAS(releasedir) URINGFUSE_COMPAT_HAS(fsyncdir)
  URINGFUSE_COMPAT_HAS(statfs) URINGFUSE_COMPAT_HAS(setxattr) URINGFUSE_COMPAT_HAS(getxattr)
  URINGFUSE_COMPAT_HAS(listxattr) URINGFUSE_COMPAT_HAS(removexattr) URINGFUSE_COMPAT_HAS(access)
  URINGFUSE_COMPAT_HAS(create) URINGFUSE_COMPAT_HAS(getlk) URINGFUSE_COMPAT_HAS(setlk)
  URINGFUSE_COMPAT_HAS(bmap) URINGFUSE_COMPAT_HAS(ioctl) URINGFUSE_COMPAT_HAS(poll)
  URINGFUSE_COMPAT_HAS(flock) URINGFUSE_COMPAT_HAS(fallocate) URINGFUSE_COMPAT_HAS(readdirplus)
  URINGFUSE_COMPAT_HAS(copy_file_range) URINGFUSE_COMPAT_HAS(lseek) URINGFUSE_COMPAT_HAS(tmpfile)
  URINGFUSE_COMPAT_HAS(statx) URINGFUSE_COMPAT_HAS(syncfs)
#undef URINGFUSE_COMPAT_HAS
  if (o.write || o.write_buf) set.add(Operation::write);
  if (o.forget_multi) set.add(Operation::batch_forget);
  return set;
}

void CompatFilesystem::init(ConnectionInfo& c) {
  se_->notifier = &c.notifier();
  fuse_conn_info conn{};
  conn.proto_major = c.proto_major();
  conn.proto_minor = c.proto_minor();
  conn.max_write = c.max_write;
  conn.max_read = c.max_read;
  conn.max_readahead = c.max_readahead;
  conn.capable_ext = caps_from_kernel(c.capable_mask());
  conn.capable = static_cast<std::uint32_t>(conn.capable_ext);
  conn.want_ext = caps_from_kernel(c.want_mask());
  conn.want = static_cast<std::uint32_t>(conn.want_ext);
  conn.time_gran = c.time_gran;
  const std::uint32_t want_before = conn.want;
  if (ops().init) ops().init(se_->userdata, &conn);
  // A filesystem that assigned the legacy `want` field directly means it (libfuse).
  if (conn.want != want_before && conn.want != static_cast<std::uint32_t>(conn.want_ext))
    conn.want_ext = (conn.want_ext & ~std::uint64_t{0xffffffff}) | conn.want;
  // Splice is a libfuse-side feature (moving pages through pipes) that uringfuse
  // does not have, so it is never in `capable`; say so rather than drop the ask.
  constexpr std::uint64_t kSplice = FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ;
  if (conn.want_ext & kSplice) {
    std::string asked;
    for (auto [cap, name] : {std::pair{FUSE_CAP_SPLICE_READ, "READ"}, std::pair{FUSE_CAP_SPLICE_WRITE, "WRITE"},
                             std::pair{FUSE_CAP_SPLICE_MOVE, "MOVE"}})
      if (conn.want_ext & cap) asked += std::string(asked.empty() ? "" : ", ") + "FUSE_CAP_SPLICE_" + name;
    log(LogLevel::warning, "uringfuse: init() asked for %s, which uringfuse does not offer: requests and replies are copied",
        asked.c_str());
  }
  std::uint64_t want = kernel_from_caps(conn.want_ext);
  for (int b = 0; b < 64; ++b) {
    auto cap = static_cast<Capability>(std::uint64_t{1} << b);
    if (!(want & bit(cap))) {
      c.unwant(cap);
    } else if (!c.wanted(cap) && !c.want(cap)) {
      log(LogLevel::warning, "uringfuse: init() asked for a capability (kernel flag bit %d) that is not available", b);
    }
  }
  c.max_write = conn.max_write;
  c.max_readahead = conn.max_readahead;
  c.max_background = static_cast<std::uint16_t>(std::min<std::uint32_t>(conn.max_background, 65535));
  c.congestion_threshold = static_cast<std::uint16_t>(std::min<std::uint32_t>(conn.congestion_threshold, 65535));
  c.time_gran = conn.time_gran;
  c.request_timeout = conn.request_timeout;
  c.max_backing_stack_depth = conn.max_backing_stack_depth;
  c.no_interrupt = conn.no_interrupt;
}

void CompatFilesystem::destroy() {
  if (ops().destroy) ops().destroy(se_->userdata);
}

void CompatFilesystem::lookup(const Request& r, Ino parent, std::string_view name, ReplyEntry reply) {
  if (!ops().lookup) return Filesystem::lookup(r, parent, name, std::move(reply));
  ops().lookup(req(r, std::move(reply)), parent, name.data());
}

void CompatFilesystem::forget(const Request& r, Ino ino, std::uint64_t nlookup) {
  if (ops().forget) ops().forget(make_request(se_, r, {}), ino, nlookup);
}

void CompatFilesystem::batch_forget(const Request& r, std::span<const Forget> forgets) {
  if (!ops().forget_multi) return Filesystem::batch_forget(r, forgets);
  std::vector<fuse_forget_data> data;
  data.reserve(forgets.size());
  for (const auto& f : forgets) data.push_back({f.ino, f.nlookup});
  ops().forget_multi(make_request(se_, r, {}), data.size(), data.data());
}

void CompatFilesystem::getattr(const Request& r, Ino ino, const GetattrIn& in, ReplyAttr reply) {
  if (!ops().getattr) return Filesystem::getattr(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().getattr(req(r, std::move(reply)), ino, in.has_fh ? &fi : nullptr);
}

void CompatFilesystem::setattr(const Request& r, Ino ino, const SetattrIn& in, ReplyAttr reply) {
  if (!ops().setattr) return Filesystem::setattr(r, ino, in, std::move(reply));
  struct stat st {};
  int to_set = 0;
  auto map = [&](SetattrIn::Field f, int flag) {
    if (in.has(f)) to_set |= flag;
  };
  map(SetattrIn::mode, FUSE_SET_ATTR_MODE);
  map(SetattrIn::uid, FUSE_SET_ATTR_UID);
  map(SetattrIn::gid, FUSE_SET_ATTR_GID);
  map(SetattrIn::size, FUSE_SET_ATTR_SIZE);
  map(SetattrIn::atime, FUSE_SET_ATTR_ATIME);
  map(SetattrIn::mtime, FUSE_SET_ATTR_MTIME);
  map(SetattrIn::atime_now, FUSE_SET_ATTR_ATIME_NOW);
  map(SetattrIn::mtime_now, FUSE_SET_ATTR_MTIME_NOW);
  map(SetattrIn::ctime, FUSE_SET_ATTR_CTIME);
  map(SetattrIn::kill_suidgid, FUSE_SET_ATTR_KILL_SUID | FUSE_SET_ATTR_KILL_SGID);
  st.st_mode = in.new_mode;
  st.st_uid = in.new_uid;
  st.st_gid = in.new_gid;
  st.st_size = static_cast<off_t>(in.new_size);
  st.st_atim = in.new_atime;
  st.st_mtim = in.new_mtime;
  st.st_ctim = in.new_ctime;
  fuse_file_info fi = file_info(in.file_handle);
  fi.lock_owner = in.owner;
  ops().setattr(req(r, std::move(reply)), ino, &st, to_set, in.has(SetattrIn::fh) ? &fi : nullptr);
}

void CompatFilesystem::readlink(const Request& r, Ino ino, ReplyReadlink reply) {
  if (!ops().readlink) return Filesystem::readlink(r, ino, std::move(reply));
  ops().readlink(req(r, std::move(reply)), ino);
}

void CompatFilesystem::mknod(const Request& r, Ino p, std::string_view n, mode_t m, dev_t d, ReplyEntry reply) {
  if (!ops().mknod) return Filesystem::mknod(r, p, n, m, d, std::move(reply));
  ops().mknod(req(r, std::move(reply)), p, n.data(), m, d);
}

void CompatFilesystem::mkdir(const Request& r, Ino p, std::string_view n, mode_t m, ReplyEntry reply) {
  if (!ops().mkdir) return Filesystem::mkdir(r, p, n, m, std::move(reply));
  ops().mkdir(req(r, std::move(reply)), p, n.data(), m);
}

void CompatFilesystem::unlink(const Request& r, Ino p, std::string_view n, ReplyEmpty reply) {
  if (!ops().unlink) return Filesystem::unlink(r, p, n, std::move(reply));
  ops().unlink(req(r, std::move(reply)), p, n.data());
}

void CompatFilesystem::rmdir(const Request& r, Ino p, std::string_view n, ReplyEmpty reply) {
  if (!ops().rmdir) return Filesystem::rmdir(r, p, n, std::move(reply));
  ops().rmdir(req(r, std::move(reply)), p, n.data());
}

void CompatFilesystem::symlink(const Request& r, Ino p, std::string_view n, std::string_view t,
                               ReplyEntry reply) {
  if (!ops().symlink) return Filesystem::symlink(r, p, n, t, std::move(reply));
  ops().symlink(req(r, std::move(reply)), t.data(), p, n.data());
}

void CompatFilesystem::rename(const Request& r, Ino p, std::string_view n, Ino np, std::string_view nn,
                              unsigned flags, ReplyEmpty reply) {
  if (!ops().rename) return Filesystem::rename(r, p, n, np, nn, flags, std::move(reply));
  ops().rename(req(r, std::move(reply)), p, n.data(), np, nn.data(), flags);
}

void CompatFilesystem::link(const Request& r, Ino i, Ino np, std::string_view nn, ReplyEntry reply) {
  if (!ops().link) return Filesystem::link(r, i, np, nn, std::move(reply));
  ops().link(req(r, std::move(reply)), i, np, nn.data());
}

void CompatFilesystem::open(const Request& r, Ino ino, const OpenIn& in, ReplyOpen reply) {
  if (!ops().open) return Filesystem::open(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(0, in.flags);
  ops().open(req(r, std::move(reply)), ino, &fi);
}

void CompatFilesystem::read(const Request& r, Ino ino, const ReadIn& in, ReplyData reply) {
  if (!ops().read) return Filesystem::read(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh, static_cast<std::int32_t>(in.flags));
  fi.lock_owner = in.lock_owner;
  ops().read(req(r, std::move(reply)), ino, in.size, static_cast<off_t>(in.offset), &fi);
}

void CompatFilesystem::write(const Request& r, Ino ino, const WriteIn& in, std::span<const std::byte> data,
                             ReplyWrite reply) {
  fuse_file_info fi = file_info(in.fh, static_cast<std::int32_t>(in.flags));
  fi.writepage = in.from_page_cache();
  fi.lock_owner = in.lock_owner;
  if (ops().write_buf) {
    fuse_bufvec buf = FUSE_BUFVEC_INIT(data.size());
    buf.buf[0].mem = const_cast<std::byte*>(data.data());
    return ops().write_buf(req(r, std::move(reply)), ino, &buf, static_cast<off_t>(in.offset), &fi);
  }
  if (!ops().write) return Filesystem::write(r, ino, in, data, std::move(reply));
  ops().write(req(r, std::move(reply)), ino, reinterpret_cast<const char*>(data.data()), data.size(),
              static_cast<off_t>(in.offset), &fi);
}

void CompatFilesystem::flush(const Request& r, Ino ino, const FlushIn& in, ReplyEmpty reply) {
  if (!ops().flush) return Filesystem::flush(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  fi.flush = 1;
  fi.lock_owner = in.lock_owner;
  ops().flush(req(r, std::move(reply)), ino, &fi);
}

void CompatFilesystem::release(const Request& r, Ino ino, const ReleaseIn& in, ReplyEmpty reply) {
  if (!ops().release) return Filesystem::release(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh, static_cast<std::int32_t>(in.flags));
  fi.flush = (in.release_flags & 1u) != 0;          // FUSE_RELEASE_FLUSH
  fi.flock_release = (in.release_flags & 2u) != 0;  // FUSE_RELEASE_FLOCK_UNLOCK
  fi.lock_owner = in.lock_owner;
  ops().release(req(r, std::move(reply)), ino, &fi);
}

void CompatFilesystem::fsync(const Request& r, Ino ino, const FsyncIn& in, ReplyEmpty reply) {
  if (!ops().fsync) return Filesystem::fsync(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().fsync(req(r, std::move(reply)), ino, in.datasync, &fi);
}

void CompatFilesystem::opendir(const Request& r, Ino ino, const OpenIn& in, ReplyOpen reply) {
  if (!ops().opendir) return Filesystem::opendir(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(0, in.flags);
  ops().opendir(req(r, std::move(reply)), ino, &fi);
}

void CompatFilesystem::readdir(const Request& r, Ino ino, const ReadIn& in, ReplyDirectory reply) {
  if (!ops().readdir) return Filesystem::readdir(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().readdir(req(r, std::move(reply)), ino, in.size, static_cast<off_t>(in.offset), &fi);
}

void CompatFilesystem::readdirplus(const Request& r, Ino ino, const ReadIn& in, ReplyDirectoryPlus reply) {
  if (!ops().readdirplus) return Filesystem::readdirplus(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().readdirplus(req(r, std::move(reply)), ino, in.size, static_cast<off_t>(in.offset), &fi);
}

void CompatFilesystem::releasedir(const Request& r, Ino ino, const ReleaseIn& in, ReplyEmpty reply) {
  if (!ops().releasedir) return Filesystem::releasedir(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh, static_cast<std::int32_t>(in.flags));
  ops().releasedir(req(r, std::move(reply)), ino, &fi);
}

void CompatFilesystem::fsyncdir(const Request& r, Ino ino, const FsyncIn& in, ReplyEmpty reply) {
  if (!ops().fsyncdir) return Filesystem::fsyncdir(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().fsyncdir(req(r, std::move(reply)), ino, in.datasync, &fi);
}

void CompatFilesystem::statfs(const Request& r, Ino ino, ReplyStatfs reply) {
  if (!ops().statfs) return Filesystem::statfs(r, ino, std::move(reply));
  ops().statfs(req(r, std::move(reply)), ino);
}

void CompatFilesystem::setxattr(const Request& r, Ino ino, std::string_view name,
                                std::span<const std::byte> value, const SetxattrIn& in, ReplyEmpty reply) {
  if (!ops().setxattr) return Filesystem::setxattr(r, ino, name, value, in, std::move(reply));
  ops().setxattr(req(r, std::move(reply)), ino, name.data(), reinterpret_cast<const char*>(value.data()),
                 value.size(), in.flags);
}

void CompatFilesystem::getxattr(const Request& r, Ino ino, std::string_view name, ReplyXattr reply) {
  if (!ops().getxattr) return Filesystem::getxattr(r, ino, name, std::move(reply));
  std::size_t size = reply.max_size();
  ops().getxattr(req(r, std::move(reply)), ino, name.data(), size);
}

void CompatFilesystem::listxattr(const Request& r, Ino ino, ReplyXattr reply) {
  if (!ops().listxattr) return Filesystem::listxattr(r, ino, std::move(reply));
  std::size_t size = reply.max_size();
  ops().listxattr(req(r, std::move(reply)), ino, size);
}

void CompatFilesystem::removexattr(const Request& r, Ino ino, std::string_view name, ReplyEmpty reply) {
  if (!ops().removexattr) return Filesystem::removexattr(r, ino, name, std::move(reply));
  ops().removexattr(req(r, std::move(reply)), ino, name.data());
}

void CompatFilesystem::access(const Request& r, Ino ino, int mask, ReplyEmpty reply) {
  if (!ops().access) return Filesystem::access(r, ino, mask, std::move(reply));
  ops().access(req(r, std::move(reply)), ino, mask);
}

void CompatFilesystem::create(const Request& r, Ino p, std::string_view n, mode_t m, const OpenIn& in,
                              ReplyCreate reply) {
  if (!ops().create) return Filesystem::create(r, p, n, m, in, std::move(reply));
  fuse_file_info fi = file_info(0, in.flags);
  ops().create(req(r, std::move(reply)), p, n.data(), m, &fi);
}

void CompatFilesystem::getlk(const Request& r, Ino ino, const LockIn& in, ReplyLock reply) {
  if (!ops().getlk) return Filesystem::getlk(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  fi.lock_owner = in.owner;
  struct flock l = to_flock(in.lock);
  ops().getlk(req(r, std::move(reply)), ino, &fi, &l);
}

void CompatFilesystem::setlk(const Request& r, Ino ino, const LockIn& in, bool sleep, ReplyEmpty reply) {
  if (!ops().setlk) return Filesystem::setlk(r, ino, in, sleep, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  fi.lock_owner = in.owner;
  struct flock l = to_flock(in.lock);
  ops().setlk(req(r, std::move(reply)), ino, &fi, &l, sleep);
}

void CompatFilesystem::flock(const Request& r, Ino ino, const FlockIn& in, ReplyEmpty reply) {
  if (!ops().flock) return Filesystem::flock(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  fi.lock_owner = in.owner;
  ops().flock(req(r, std::move(reply)), ino, &fi, in.operation);
}

void CompatFilesystem::bmap(const Request& r, Ino ino, const BmapIn& in, ReplyBmap reply) {
  if (!ops().bmap) return Filesystem::bmap(r, ino, in, std::move(reply));
  ops().bmap(req(r, std::move(reply)), ino, in.blocksize, in.block);
}

void CompatFilesystem::ioctl(const Request& r, Ino ino, const IoctlIn& in, std::span<const std::byte> data,
                             ReplyIoctl reply) {
  if (!ops().ioctl) return Filesystem::ioctl(r, ino, in, data, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().ioctl(req(r, std::move(reply)), ino, in.cmd, reinterpret_cast<void*>(in.arg), &fi, in.flags,
              data.data(), data.size(), in.out_size);
}

void CompatFilesystem::poll(const Request& r, Ino ino, const PollIn& in, ReplyPoll reply) {
  if (!ops().poll) return Filesystem::poll(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  fi.poll_events = in.events;
  fuse_pollhandle* ph = in.wants_notify() ? new fuse_pollhandle{in.kh, se_} : nullptr;
  ops().poll(req(r, std::move(reply)), ino, &fi, ph);
}

void CompatFilesystem::fallocate(const Request& r, Ino ino, const FallocateIn& in, ReplyEmpty reply) {
  if (!ops().fallocate) return Filesystem::fallocate(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().fallocate(req(r, std::move(reply)), ino, in.mode, static_cast<off_t>(in.offset),
                  static_cast<off_t>(in.length), &fi);
}

void CompatFilesystem::lseek(const Request& r, Ino ino, const LseekIn& in, ReplyLseek reply) {
  if (!ops().lseek) return Filesystem::lseek(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().lseek(req(r, std::move(reply)), ino, static_cast<off_t>(in.offset), in.whence, &fi);
}

void CompatFilesystem::copy_file_range(const Request& r, Ino ino, const CopyFileRangeIn& in, ReplyWrite reply) {
  if (!ops().copy_file_range) return Filesystem::copy_file_range(r, ino, in, std::move(reply));
  fuse_file_info fi_in = file_info(in.fh_in), fi_out = file_info(in.fh_out);
  ops().copy_file_range(req(r, std::move(reply)), ino, static_cast<off_t>(in.offset_in), &fi_in, in.ino_out,
                        static_cast<off_t>(in.offset_out), &fi_out, in.length, static_cast<int>(in.flags));
}

void CompatFilesystem::tmpfile(const Request& r, Ino p, mode_t m, const OpenIn& in, ReplyCreate reply) {
  if (!ops().tmpfile) return Filesystem::tmpfile(r, p, m, in, std::move(reply));
  fuse_file_info fi = file_info(0, in.flags);
  ops().tmpfile(req(r, std::move(reply)), p, m, &fi);
}

void CompatFilesystem::statx(const Request& r, Ino ino, const StatxIn& in, ReplyStatx reply) {
  if (!ops().statx) return Filesystem::statx(r, ino, in, std::move(reply));
  fuse_file_info fi = file_info(in.fh);
  ops().statx(req(r, std::move(reply)), ino, static_cast<int>(in.flags), static_cast<int>(in.mask),
              in.has_fh ? &fi : nullptr);
}

void CompatFilesystem::syncfs(const Request& r, Ino ino, ReplyEmpty reply) {
  if (!ops().syncfs) return Filesystem::syncfs(r, ino, std::move(reply));
  ops().syncfs(req(r, std::move(reply)), ino);
}

void CompatFilesystem::deliver_retrieve(void* cookie, Ino ino, std::uint64_t offset,
                                        std::span<const std::byte> data) {
  if (!ops().retrieve_reply) return;
  fuse_bufvec buf = FUSE_BUFVEC_INIT(data.size());
  buf.buf[0].mem = const_cast<std::byte*>(data.data());
  Request none;
  ops().retrieve_reply(make_request(se_, none, {}), cookie, ino, static_cast<off_t>(offset), &buf);
}

}  // namespace uringfuse::compat
