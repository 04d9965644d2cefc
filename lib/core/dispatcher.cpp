// Decoding of each opcode's fixed struct into the API's argument types, and the call
// into the filesystem behind an exception barrier.
#include "core/dispatcher.hpp"

#include <sys/file.h>

#include <cerrno>
#include <exception>
#include <fcntl.h>
#include <vector>

#include "core/debug_trace.hpp"
#include "core/wire_encoding.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

using abi::Opcode;

ReadIn decode_read(std::span<const std::byte> op_in) {
  auto w = read_struct<abi::fuse_read_in>(op_in);
  return ReadIn{w.fh, w.offset, w.size, w.read_flags, w.lock_owner, w.flags};
}

ReleaseIn decode_release(std::span<const std::byte> op_in) {
  auto w = read_struct<abi::fuse_release_in>(op_in);
  return ReleaseIn{w.fh, w.flags, w.release_flags, w.lock_owner};
}

OpenIn decode_open(std::span<const std::byte> op_in) {
  auto w = read_struct<abi::fuse_open_in>(op_in);
  return OpenIn{static_cast<std::int32_t>(w.flags), w.open_flags};
}

SetattrIn decode_setattr(std::span<const std::byte> op_in) {
  auto w = read_struct<abi::fuse_setattr_in>(op_in);
  SetattrIn in;
  in.valid = w.valid;
  in.file_handle = w.fh;
  in.owner = w.lock_owner;
  in.new_size = w.size;
  in.new_mode = w.mode;
  in.new_uid = w.uid;
  in.new_gid = w.gid;
  in.new_atime = {static_cast<time_t>(w.atime), static_cast<long>(w.atimensec)};
  in.new_mtime = {static_cast<time_t>(w.mtime), static_cast<long>(w.mtimensec)};
  in.new_ctime = {static_cast<time_t>(w.ctime), static_cast<long>(w.ctimensec)};
  return in;
}

FsyncIn decode_fsync(std::span<const std::byte> op_in) {
  auto w = read_struct<abi::fuse_fsync_in>(op_in);
  return FsyncIn{w.fh, (w.fsync_flags & abi::fsync_flag::FDATASYNC) != 0};
}

LockIn decode_lock(std::span<const std::byte> op_in) {
  auto w = read_struct<abi::fuse_lk_in>(op_in);
  return LockIn{w.fh, w.owner, from_wire_lock(w.lk)};
}

// BSD locks travel as SETLK(W) with FUSE_LK_FLOCK; flock(2) wants LOCK_* operations.
int flock_operation(std::uint32_t type, bool sleep) {
  int op = type == F_RDLCK ? LOCK_SH : type == F_WRLCK ? LOCK_EX : LOCK_UN;
  return sleep || op == LOCK_UN ? op : op | LOCK_NB;
}

std::vector<Forget> decode_batch_forget(const ParsedRequest& p, bool& ok) {
  auto head = read_struct<abi::fuse_batch_forget_in>(p.op_in);
  std::size_t each = sizeof(abi::fuse_forget_one);
  ok = head.count <= p.data.size() / each;
  std::vector<Forget> forgets;
  if (!ok) return forgets;
  forgets.reserve(head.count);
  for (std::uint32_t i = 0; i < head.count; ++i) {
    auto one = read_struct<abi::fuse_forget_one>(p.data.subspan(i * each, each));
    forgets.push_back({one.nodeid, one.nlookup});
  }
  return forgets;
}

// The umask travels in the create-type structs; the kernel already applied it to
// the mode unless the filesystem asked for dont_mask.
mode_t umask_of(const ParsedRequest& p) {
  switch (static_cast<Opcode>(p.header.opcode)) {
    case Opcode::CREATE:
    case Opcode::TMPFILE:
      return read_struct<abi::fuse_create_in>(p.op_in).umask;
    case Opcode::MKNOD:
      return read_struct<abi::fuse_mknod_in>(p.op_in).umask;
    case Opcode::MKDIR:
      return read_struct<abi::fuse_mkdir_in>(p.op_in).umask;
    default:
      return 0;
  }
}

// Walks the request extensions for the supplementary-groups record.
bool decode_groups(std::span<const std::byte> ext, std::vector<gid_t>& groups) {
  while (ext.size() >= sizeof(abi::fuse_ext_header)) {
    auto h = read_struct<abi::fuse_ext_header>(ext);
    if (h.size < sizeof h || h.size > ext.size() || h.size % 8) return false;
    if (h.type == abi::ext_type::GROUPS) {
      auto body = ext.subspan(sizeof h, h.size - sizeof h);
      auto sg = read_struct<abi::fuse_supp_groups>(body);
      if (body.size() < sizeof sg || sg.nr_groups > (body.size() - sizeof sg) / sizeof(std::uint32_t))
        return false;
      for (std::uint32_t i = 0; i < sg.nr_groups; ++i)
        groups.push_back(read_struct<std::uint32_t>(body.subspan(sizeof sg + i * 4, 4)));
    }
    ext = ext.subspan(h.size);
  }
  return true;
}

}  // namespace

void reply_error(ReplyTarget& target, std::uint64_t unique, int errnum, Trace trace) noexcept {
  trace_reply(trace, unique, -errnum, 0);
  target.send(unique, -errnum, {});
}

void Dispatcher::dispatch(const ParsedRequest& p, RequestSlot& slot, std::size_t queue) noexcept {
  Request req{p.header.unique, p.header.opcode, p.header.nodeid, p.header.uid, p.header.gid,
              static_cast<pid_t>(p.header.pid)};
  req.umask = umask_of(p);
  req.via_io_uring = queue != 0;  // queue 0 is /dev/fuse, the rings come after it
  req.slot = &slot;
  slot.unique = p.header.unique;
  slot.opcode = p.header.opcode;
  slot.trace = trace_;
  slot.gate = gate_;
  std::vector<gid_t> groups;
  if (!p.ext.empty() && !decode_groups(p.ext, groups)) {
    log(LogLevel::err, "uringfuse: %s #%llu: malformed request extensions; answering EINVAL",
        p.traits->name.data(), static_cast<unsigned long long>(req.unique));
    if (p.traits->replies) reply_error(*slot.target, req.unique, EINVAL, trace_);
    return;
  }
  req.supplementary_groups = groups;
  StaleInterrupt stale;
  // Listed only now: from here on, every path makes the one reply that unlists it.
  if (p.traits->replies && interrupts_) interrupts_->begin(slot, queue, stale);
  // On the fd the INTERRUPT came from, never on the slot's target: over io_uring that
  // is this request's ring entry, which only this request's own reply may commit.
  if (stale.interrupt_unique && stale.answer_on) reply_error(*stale.answer_on, stale.interrupt_unique, EAGAIN, trace_);
  try {
    call_filesystem(p, req, slot);
  } catch (const std::exception& e) {
    log(LogLevel::err, "uringfuse: %s #%llu: handler threw: %s", p.traits->name.data(),
        static_cast<unsigned long long>(req.unique), e.what());
  } catch (...) {
    log(LogLevel::err, "uringfuse: %s #%llu: handler threw a non-standard exception",
        p.traits->name.data(), static_cast<unsigned long long>(req.unique));
  }
}

bool Dispatcher::within_read_limit(const ParsedRequest& p, std::uint32_t size, RequestSlot& slot) const {
  if (size <= read_limit_) return true;
  log(LogLevel::err, "uringfuse: %s #%llu asks for %u bytes, more than the negotiated %u; answering EINVAL",
      p.traits->name.data(), static_cast<unsigned long long>(p.header.unique), size, read_limit_);
  fail(slot, EINVAL);
  return false;
}

void Dispatcher::fail(RequestSlot& slot, int errnum) const { ReplyEmpty(slot).error(errnum); }

void Dispatcher::call_filesystem(const ParsedRequest& p, const Request& req, RequestSlot& slot) {
  const Ino ino = p.header.nodeid;
  // The slot, with the most body bytes the reply may carry.
  auto ctx = [&](std::uint32_t max = 0) -> RequestSlot& {
    slot.max_size = max;
    return slot;
  };
  const auto& names = p.names;
  switch (static_cast<Opcode>(p.header.opcode)) {
    case Opcode::LOOKUP:
      return fs_.lookup(req, ino, names[0], ReplyEntry(ctx()));
    case Opcode::FORGET:
      return fs_.forget(req, ino, read_struct<abi::fuse_forget_in>(p.op_in).nlookup);
    case Opcode::BATCH_FORGET: {
      bool ok = false;
      auto forgets = decode_batch_forget(p, ok);
      if (!ok) {
        log(LogLevel::err, "uringfuse: BATCH_FORGET #%llu: count exceeds the payload; ignored",
            static_cast<unsigned long long>(req.unique));
        return;
      }
      return fs_.batch_forget(req, forgets);
    }
    case Opcode::GETATTR: {
      auto w = read_struct<abi::fuse_getattr_in>(p.op_in);
      GetattrIn in{(w.getattr_flags & abi::getattr_flag::FH) != 0, w.fh};
      return fs_.getattr(req, ino, in, ReplyAttr(ctx()));
    }
    case Opcode::SETATTR:
      return fs_.setattr(req, ino, decode_setattr(p.op_in), ReplyAttr(ctx()));
    case Opcode::READLINK:
      return fs_.readlink(req, ino, ReplyReadlink(ctx()));
    case Opcode::SYMLINK:  // the kernel sends the new name first, then the target
      return fs_.symlink(req, ino, names[0], names[1], ReplyEntry(ctx()));
    case Opcode::MKNOD: {
      auto w = read_struct<abi::fuse_mknod_in>(p.op_in);
      return fs_.mknod(req, ino, names[0], w.mode, w.rdev, ReplyEntry(ctx()));
    }
    case Opcode::MKDIR: {
      auto w = read_struct<abi::fuse_mkdir_in>(p.op_in);
      return fs_.mkdir(req, ino, names[0], w.mode, ReplyEntry(ctx()));
    }
    case Opcode::UNLINK:
      return fs_.unlink(req, ino, names[0], ReplyEmpty(ctx()));
    case Opcode::RMDIR:
      return fs_.rmdir(req, ino, names[0], ReplyEmpty(ctx()));
    case Opcode::RENAME: {
      auto w = read_struct<abi::fuse_rename_in>(p.op_in);
      return fs_.rename(req, ino, names[0], w.newdir, names[1], 0, ReplyEmpty(ctx()));
    }
    case Opcode::RENAME2: {
      auto w = read_struct<abi::fuse_rename2_in>(p.op_in);
      return fs_.rename(req, ino, names[0], w.newdir, names[1], w.flags, ReplyEmpty(ctx()));
    }
    case Opcode::LINK: {
      auto w = read_struct<abi::fuse_link_in>(p.op_in);
      return fs_.link(req, w.oldnodeid, ino, names[0], ReplyEntry(ctx()));
    }
    case Opcode::OPEN:
      if (!implemented_.has(Operation::open) && negotiated(Capability::no_open_support))
        return fail(slot, ENOSYS);
      return fs_.open(req, ino, decode_open(p.op_in), ReplyOpen(ctx()));
    case Opcode::CREATE:
    case Opcode::TMPFILE: {
      auto w = read_struct<abi::fuse_create_in>(p.op_in);
      OpenIn in{static_cast<std::int32_t>(w.flags), w.open_flags};
      if (p.header.opcode == static_cast<std::uint32_t>(Opcode::TMPFILE))
        return fs_.tmpfile(req, ino, w.mode, in, ReplyCreate(ctx()));
      return fs_.create(req, ino, names[0], w.mode, in, ReplyCreate(ctx()));
    }
    case Opcode::READ: {
      ReadIn in = decode_read(p.op_in);
      if (!within_read_limit(p, in.size, slot)) return;
      return fs_.read(req, ino, in, ReplyData(ctx(in.size)));
    }
    case Opcode::WRITE: {
      auto w = read_struct<abi::fuse_write_in>(p.op_in);
      if (w.size != p.data.size()) return fail(slot, EINVAL);
      WriteIn in{w.fh, w.offset, w.write_flags, w.lock_owner, w.flags};
      return fs_.write(req, ino, in, p.data, ReplyWrite(ctx()));
    }
    case Opcode::FLUSH: {
      auto w = read_struct<abi::fuse_flush_in>(p.op_in);
      return fs_.flush(req, ino, FlushIn{w.fh, w.lock_owner}, ReplyEmpty(ctx()));
    }
    case Opcode::RELEASE:
      return fs_.release(req, ino, decode_release(p.op_in), ReplyEmpty(ctx()));
    case Opcode::FSYNC:
      return fs_.fsync(req, ino, decode_fsync(p.op_in), ReplyEmpty(ctx()));
    case Opcode::FSYNCDIR:
      return fs_.fsyncdir(req, ino, decode_fsync(p.op_in), ReplyEmpty(ctx()));
    case Opcode::OPENDIR:
      if (!implemented_.has(Operation::opendir) && negotiated(Capability::no_opendir_support))
        return fail(slot, ENOSYS);
      return fs_.opendir(req, ino, decode_open(p.op_in), ReplyOpen(ctx()));
    case Opcode::READDIR: {
      ReadIn in = decode_read(p.op_in);
      if (!within_read_limit(p, in.size, slot)) return;
      return fs_.readdir(req, ino, in, ReplyDirectory(ctx(in.size)));
    }
    case Opcode::READDIRPLUS: {
      ReadIn in = decode_read(p.op_in);
      if (!within_read_limit(p, in.size, slot)) return;
      return fs_.readdirplus(req, ino, in, ReplyDirectoryPlus(ctx(in.size)));
    }
    case Opcode::RELEASEDIR:
      return fs_.releasedir(req, ino, decode_release(p.op_in), ReplyEmpty(ctx()));
    case Opcode::STATFS:
      return fs_.statfs(req, ino, ReplyStatfs(ctx()));
    case Opcode::ACCESS: {
      auto w = read_struct<abi::fuse_access_in>(p.op_in);
      return fs_.access(req, ino, static_cast<int>(w.mask), ReplyEmpty(ctx()));
    }
    case Opcode::SETXATTR: {
      auto w = read_struct<abi::fuse_setxattr_in>(p.op_in);  // zero-filled past 8 bytes
      if (w.size != p.data.size()) return fail(slot, EINVAL);
      SetxattrIn in{static_cast<std::int32_t>(w.flags), w.setxattr_flags};
      return fs_.setxattr(req, ino, names[0], p.data, in, ReplyEmpty(ctx()));
    }
    case Opcode::GETXATTR: {
      auto w = read_struct<abi::fuse_getxattr_in>(p.op_in);
      return fs_.getxattr(req, ino, names[0], ReplyXattr(ctx(w.size)));
    }
    case Opcode::LISTXATTR: {
      auto w = read_struct<abi::fuse_getxattr_in>(p.op_in);
      return fs_.listxattr(req, ino, ReplyXattr(ctx(w.size)));
    }
    case Opcode::REMOVEXATTR:
      return fs_.removexattr(req, ino, names[0], ReplyEmpty(ctx()));
    case Opcode::GETLK:
      return fs_.getlk(req, ino, decode_lock(p.op_in), ReplyLock(ctx()));
    case Opcode::SETLK:
    case Opcode::SETLKW: {
      bool sleep = p.header.opcode == static_cast<std::uint32_t>(Opcode::SETLKW);
      auto w = read_struct<abi::fuse_lk_in>(p.op_in);
      if (w.lk_flags & abi::lk_flag::FLOCK) {
        FlockIn in{w.fh, w.owner, flock_operation(w.lk.type, sleep)};
        return fs_.flock(req, ino, in, ReplyEmpty(ctx()));
      }
      return fs_.setlk(req, ino, decode_lock(p.op_in), sleep, ReplyEmpty(ctx()));
    }
    case Opcode::BMAP: {
      auto w = read_struct<abi::fuse_bmap_in>(p.op_in);
      return fs_.bmap(req, ino, BmapIn{w.block, w.blocksize}, ReplyBmap(ctx()));
    }
    case Opcode::IOCTL: {
      auto w = read_struct<abi::fuse_ioctl_in>(p.op_in);
      if (w.in_size != p.data.size()) return fail(slot, EINVAL);
      IoctlIn in{w.fh, w.flags, w.cmd, w.arg, w.in_size, w.out_size};
      return fs_.ioctl(req, ino, in, p.data, ReplyIoctl(ctx(w.out_size)));
    }
    case Opcode::POLL: {
      auto w = read_struct<abi::fuse_poll_in>(p.op_in);
      return fs_.poll(req, ino, PollIn{w.fh, w.kh, w.flags, w.events}, ReplyPoll(ctx()));
    }
    case Opcode::FALLOCATE: {
      auto w = read_struct<abi::fuse_fallocate_in>(p.op_in);
      FallocateIn in{w.fh, w.offset, w.length, static_cast<std::int32_t>(w.mode)};
      return fs_.fallocate(req, ino, in, ReplyEmpty(ctx()));
    }
    case Opcode::LSEEK: {
      auto w = read_struct<abi::fuse_lseek_in>(p.op_in);
      LseekIn in{w.fh, static_cast<std::int64_t>(w.offset), static_cast<int>(w.whence)};
      return fs_.lseek(req, ino, in, ReplyLseek(ctx()));
    }
    case Opcode::COPY_FILE_RANGE:
    case Opcode::COPY_FILE_RANGE_64: {
      auto w = read_struct<abi::fuse_copy_file_range_in>(p.op_in);
      CopyFileRangeIn in{w.fh_in, w.off_in, w.nodeid_out, w.fh_out, w.off_out, w.len, w.flags};
      return fs_.copy_file_range(req, ino, in, ReplyWrite(ctx()));
    }
    case Opcode::SYNCFS:
      return fs_.syncfs(req, ino, ReplyEmpty(ctx()));
    case Opcode::STATX: {
      auto w = read_struct<abi::fuse_statx_in>(p.op_in);
      StatxIn in{(w.getattr_flags & abi::getattr_flag::FH) != 0, w.fh, w.sx_flags, w.sx_mask};
      return fs_.statx(req, ino, in, ReplyStatx(ctx()));
    }
    default:
      // SETUPMAPPING/REMOVEMAPPING (DAX) and anything newer: refuse, never pretend.
      if (p.traits->replies) fail(slot, ENOSYS);
      return;
  }
}

}  // namespace uringfuse::detail
