// Request admission: parse, trace, then INIT/DESTROY here and everything else to the
// dispatcher. Nothing but INIT is served before INIT has been answered.
#include "core/connection.hpp"

#include "core/debug_trace.hpp"

#include <unistd.h>

#include <cerrno>

#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

using abi::Opcode;

// The buffer a read of /dev/fuse needs besides max_write: the header and op struct.
constexpr std::size_t kRequestHeaderRoom = 4096;
constexpr std::uint32_t kDefaultMaxWrite = 1u << 20;

bool is(const ParsedRequest& p, Opcode op) { return p.header.opcode == static_cast<std::uint32_t>(op); }

}  // namespace

Connection::Connection(Filesystem& fs, OperationSet implemented, ConnectionConfig config,
                       NotifyChannel* notify)
    : dispatcher_(fs, implemented),
      config_(std::move(config)),
      notify_(notify ? notify : &own_notify_),
      notifier_(*notify_),
      interrupts_(config_.queues),
      max_write_(kDefaultMaxWrite) {
  dispatcher_.set_trace(config_.trace);
  dispatcher_.set_interrupts(&interrupts_);
  dispatcher_.set_gate(config_.gate);
}

std::size_t Connection::request_buffer_size() const noexcept {
  return max_write_.load(std::memory_order_acquire) + kRequestHeaderRoom;
}

void Connection::handle(const RawRequest& raw, RequestSlot& slot) noexcept {
  std::unique_lock serial(one_at_a_time_, std::defer_lock);
  if (config_.one_handler_at_a_time) serial.lock();
  ReplyTarget& target = *slot.target;
  ParseOptions options{(negotiated_ & bit(Capability::setxattr_ext)) != 0};
  ParseResult r = parse_request(raw, options);
  const ParsedRequest& p = r.request;
  if (r.error) {
    log(LogLevel::err, "uringfuse: malformed request #%llu (opcode %u, %zu bytes via %.*s): %s",
        static_cast<unsigned long long>(p.header.unique), p.header.opcode, raw.wire_size,
        static_cast<int>(raw.via.size()), raw.via.data(), r.why);
    if (r.can_reply) reply_error(target, p.header.unique, r.error, config_.trace);
    return;
  }
  trace_request(config_.trace, p, raw.via, raw.wire_size);
  if (is(p, Opcode::INIT)) return handle_init(p, target);
  if (!initialized()) {
    log(LogLevel::err, "uringfuse: %s before INIT; answering EIO", p.traits->name.data());
    if (p.traits->replies) reply_error(target, p.header.unique, EIO, config_.trace);
    return;
  }
  if (is(p, Opcode::DESTROY)) return handle_destroy(p, target);
  if (is(p, Opcode::INTERRUPT)) return handle_interrupt(p, raw.queue == 0 ? &target : nullptr);
  if (is(p, Opcode::NOTIFY_REPLY)) return handle_notify_reply(p);
  if (config_.allow_root && denied_by_allow_root(p)) return reply_error(target, p.header.unique, EACCES, config_.trace);
  dispatcher_.dispatch(p, slot, raw.queue);
}

void Connection::handle_init(const ParsedRequest& p, ReplyTarget& target) {
  if (initialized()) {
    log(LogLevel::err, "uringfuse: second INIT on an initialized connection; answering EIO");
    return reply_error(target, p.header.unique, EIO, config_.trace);
  }
  InitOutcome o = negotiate_init(p.op_in, dispatcher_.filesystem(), dispatcher_.implemented(),
                                 config_.limits, &notifier_);
  if (o.error) {
    refused_.store(true);
    reply_error(target, p.header.unique, o.error, config_.trace);
    return end();
  }
  bool ring = !o.expect_reinit && start_uring(o);
  if (!o.expect_reinit) {
    // Publish the agreed state before the reply: other threads may read the next
    // requests the moment the kernel sees it.
    minor_ = o.minor;
    negotiated_ = o.negotiated;
    max_write_.store(o.max_write, std::memory_order_release);
    dispatcher_.set_negotiated(o.negotiated);
    // Without max_pages the kernel sends at most its legacy 32 pages per request.
    dispatcher_.set_read_limit((o.max_pages ? o.max_pages : 32u) *
                               static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE)));
    no_interrupt_ = o.no_interrupt;
    interrupts_.set_enabled(!o.no_interrupt);
    notify_->set_negotiated(o.minor, o.capable, o.negotiated);
    initialized_.store(true, std::memory_order_release);
    trace_init(config_.trace, p.op_in, o);
  }
  iovec body{&o.reply, o.reply_size};
  trace_reply(config_.trace, p.header.unique, 0, o.reply_size);
  target.send(p.header.unique, 0, {&body, 1});
  if (ring) config_.uring->go();  // the kernel accepts REGISTER only after the reply
  if (!o.expect_reinit && config_.on_ready) config_.on_ready();
}

// Echo FUSE_OVER_IO_URING only once every queue is up; otherwise say why, loudly,
// and serve /dev/fuse.
bool Connection::start_uring(InitOutcome& o) {
  if (!config_.uring) return false;
  const std::uint64_t flag = bit(Capability::over_io_uring);
  std::string why;
  if (!(o.capable & flag)) {
    why = "the kernel did not offer FUSE_OVER_IO_URING (is /sys/module/fuse/parameters/enable_uring Y?)";
  } else if (!(o.negotiated & flag)) {
    why = "the filesystem's init() declined it";
  } else if (!config_.uring->prepare(o, why)) {
    o.negotiated &= ~flag;
    o.reply.flags2 = abi::flags_high_word(abi::join_flags(o.reply.flags, o.reply.flags2) & ~flag);
  } else {
    uring_active_.store(true);
    return true;
  }
  log(LogLevel::warning, "uringfuse: io_uring unavailable: %s; serving /dev/fuse instead", why.c_str());
  return false;
}

void Connection::handle_destroy(const ParsedRequest& p, ReplyTarget& target) {
  finish();
  reply_error(target, p.header.unique, 0, config_.trace);
  end();
}

void Connection::finish() noexcept {
  if (!initialized()) return;
  std::call_once(destroyed_, [this] {
    try {
      dispatcher_.filesystem().destroy();
    } catch (const std::exception& e) {
      log(LogLevel::err, "uringfuse: the filesystem's destroy() threw: %s", e.what());
    } catch (...) {
      log(LogLevel::err, "uringfuse: the filesystem's destroy() threw");
    }
  });
}

// `device` is the /dev/fuse target the INTERRUPT was read from (null when a ring
// carried it). A parked interrupt may turn stale long after that target is gone (a
// caller-driven loop's target lives for one request), so its later EAGAIN goes to the
// session fd, which lives as long as the connection; never to a ring entry.
void Connection::handle_interrupt(const ParsedRequest& p, ReplyTarget* device) {
  if (no_interrupt_) {
    if (ReplyTarget* now = device ? device : notify_->device_target()) reply_error(*now, p.header.unique, ENOSYS, config_.trace);
    return;
  }
  auto in = read_struct<abi::fuse_interrupt_in>(p.op_in);
  // Delivered or parked: either way the kernel expects no answer now.
  interrupts_.interrupt(in.unique, p.header.unique, notify_->device_target());
}

void Connection::handle_notify_reply(const ParsedRequest& p) {
  auto in = read_struct<abi::fuse_notify_retrieve_in>(p.op_in);
  if (in.size != p.data.size()) {
    log(LogLevel::err, "uringfuse: NOTIFY_REPLY #%llu: size %u but %zu bytes; ignored",
        static_cast<unsigned long long>(p.header.unique), in.size, p.data.size());
    return;
  }
  if (!notify_->complete_retrieve(p.header.unique, in.offset, p.data))
    log(LogLevel::warning, "uringfuse: NOTIFY_REPLY #%llu answers no pending retrieve",
        static_cast<unsigned long long>(p.header.unique));
}

// libfuse's allow_root: everyone but the owner and root is refused, except for
// operations on files they already hold open.
bool Connection::denied_by_allow_root(const ParsedRequest& p) const {
  if (p.header.uid == config_.owner || p.header.uid == 0) return false;
  switch (static_cast<Opcode>(p.header.opcode)) {
    case Opcode::READ:
    case Opcode::WRITE:
    case Opcode::FSYNC:
    case Opcode::RELEASE:
    case Opcode::READDIR:
    case Opcode::FSYNCDIR:
    case Opcode::RELEASEDIR:
    case Opcode::READDIRPLUS:
    case Opcode::FORGET:
    case Opcode::BATCH_FORGET:
    case Opcode::FLUSH:
      return false;
    default:
      return p.traits->replies;
  }
}

void Connection::end() {
  notify_->set_ended();
  std::call_once(ended_, [this] {
    if (config_.on_end) config_.on_end();
  });
}

}  // namespace uringfuse::detail
