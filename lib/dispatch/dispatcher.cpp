// Decoding of each opcode's fixed struct into the API's argument types, and the call
// into the filesystem behind an exception barrier.
#include "dispatch/dispatcher.hpp"

#include <cerrno>
#include <exception>
#include <vector>

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

}  // namespace

void reply_error(ReplyTarget& target, std::uint64_t unique, int errnum) noexcept {
  target.send(unique, -errnum, {});
}

ReplyContext Dispatcher::reply_context(const ParsedRequest& p, ReplyTarget& target,
                                       std::uint32_t max_size) const {
  return ReplyContext{&target, p.header.unique, p.header.opcode, max_size, debug_};
}

void Dispatcher::dispatch(const ParsedRequest& p, ReplyTarget& target) noexcept {
  Request req{p.header.unique, p.header.opcode, p.header.nodeid, p.header.uid, p.header.gid,
              static_cast<pid_t>(p.header.pid)};
  try {
    call_filesystem(p, req, target);
  } catch (const std::exception& e) {
    log(LogLevel::err, "uringfuse: %s #%llu: handler threw: %s", p.traits->name.data(),
        static_cast<unsigned long long>(req.unique), e.what());
  } catch (...) {
    log(LogLevel::err, "uringfuse: %s #%llu: handler threw a non-standard exception",
        p.traits->name.data(), static_cast<unsigned long long>(req.unique));
  }
}

void Dispatcher::call_filesystem(const ParsedRequest& p, const Request& req, ReplyTarget& target) {
  const Ino ino = p.header.nodeid;
  switch (static_cast<Opcode>(p.header.opcode)) {
    case Opcode::LOOKUP:
      return fs_.lookup(req, ino, p.names[0], ReplyEntry(reply_context(p, target)));
    case Opcode::FORGET: {
      auto w = read_struct<abi::fuse_forget_in>(p.op_in);
      return fs_.forget(req, ino, w.nlookup);
    }
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
      return fs_.getattr(req, ino, in, ReplyAttr(reply_context(p, target)));
    }
    case Opcode::OPEN:
      if (!implemented_.has(Operation::open) && negotiated(Capability::no_open_support))
        return reply_error(target, req.unique, ENOSYS);
      return fs_.open(req, ino, decode_open(p.op_in), ReplyOpen(reply_context(p, target)));
    case Opcode::READ: {
      ReadIn in = decode_read(p.op_in);
      return fs_.read(req, ino, in, ReplyData(reply_context(p, target, in.size)));
    }
    case Opcode::FLUSH: {
      auto w = read_struct<abi::fuse_flush_in>(p.op_in);
      return fs_.flush(req, ino, FlushIn{w.fh, w.lock_owner}, ReplyEmpty(reply_context(p, target)));
    }
    case Opcode::RELEASE:
      return fs_.release(req, ino, decode_release(p.op_in), ReplyEmpty(reply_context(p, target)));
    case Opcode::OPENDIR:
      if (!implemented_.has(Operation::opendir) && negotiated(Capability::no_opendir_support))
        return reply_error(target, req.unique, ENOSYS);
      return fs_.opendir(req, ino, decode_open(p.op_in), ReplyOpen(reply_context(p, target)));
    case Opcode::READDIR: {
      ReadIn in = decode_read(p.op_in);
      return fs_.readdir(req, ino, in, ReplyDirectory(reply_context(p, target, in.size)));
    }
    case Opcode::READDIRPLUS: {
      ReadIn in = decode_read(p.op_in);
      return fs_.readdirplus(req, ino, in, ReplyDirectoryPlus(reply_context(p, target, in.size)));
    }
    case Opcode::RELEASEDIR:
      return fs_.releasedir(req, ino, decode_release(p.op_in), ReplyEmpty(reply_context(p, target)));
    case Opcode::STATFS:
      return fs_.statfs(req, ino, ReplyStatfs(reply_context(p, target)));
    case Opcode::ACCESS: {
      auto w = read_struct<abi::fuse_access_in>(p.op_in);
      return fs_.access(req, ino, static_cast<int>(w.mask), ReplyEmpty(reply_context(p, target)));
    }
    default:
      // Decoded and validated, but no typed handler yet: refuse, never pretend.
      if (p.traits->replies) reply_error(target, req.unique, ENOSYS);
      return;
  }
}

}  // namespace uringfuse::detail
