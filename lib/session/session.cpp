// Session life cycle: mount, serve until told to stop, then tear down in order:
// unmount (which ends the connection and wakes every reader), join, destroy().
#include "uringfuse/session.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "abi/fuse_abi.hpp"
#include "session/session_state.hpp"
#include "transport/uring/cpu_topology.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse {

SessionState::SessionState(SessionOptions o, Filesystem& f, OperationSet ops)
    : options(std::move(o)), fs(f), implemented(ops) {
  wake_fd = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd < 0) throw std::runtime_error(std::string("uringfuse: eventfd: ") + std::strerror(errno));
}

SessionState::~SessionState() {
  reply_gate.close();  // before any member goes: replies in progress finish first
  ::close(wake_fd);
}

namespace detail {
namespace {

void wait_for_wake(int fd) {
  std::uint64_t value;
  while (::read(fd, &value, sizeof value) < 0 && errno == EINTR) {
  }
}

// Workers leave once the connection ends. A busy mount is only detached lazily and
// its connection lives on, so after a grace period the connection is aborted.
void stop_transport(DevTransport& transport, Mount& mount, InterruptRegistry& requests) {
  using namespace std::chrono_literals;
  // Unmount while the workers still serve: flushing dirty data needs them.
  mount.unmount();
  transport.request_stop();
  for (auto waited = 0ms; !transport.all_stopped() && waited < 2s; waited += 10ms)
    std::this_thread::sleep_for(10ms);
  if (!transport.all_stopped()) {
    log(LogLevel::warning, "uringfuse: connection still busy after unmount; aborting it");
    abort_connection(mount.connection_id());
    requests.interrupt_everything();  // handlers awaiting backend I/O: let them finish
  }
  transport.join();
  // One line at exit, as each ring queue logs one: where the traffic went.
  auto s = transport.stats();
  log(LogLevel::info, "uringfuse: /dev/fuse: %llu requests, %llu replies; up to %u reader threads",
      static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.replies), s.peak_threads);
}

}  // namespace
}  // namespace detail

Session::Session(SessionOptions options, Filesystem& fs, OperationSet implemented)
    : state_(std::make_unique<SessionState>(std::move(options), fs, implemented)) {}

// Unmount first: the transport's workers end with the connection, then the fd closes
// (members go in reverse order: transport, connection, ..., mount). A caller's own
// loop (process_request) never reaches loop()'s end, so destroy() is due here if INIT
// was answered, as libfuse's fuse_session_destroy() calls it; once only, as ever.
Session::~Session() {
  unmount();
  if (state_->connection) state_->connection->finish();
}

void Session::mount() {
  // /dev/fd/N: a /dev/fuse descriptor a privileged helper mounted for us.
  if (auto fd = detail::inherited_fuse_fd(state_->options.mount.mountpoint)) return adopt(*fd);
  state_->mount = detail::Mount::create(state_->options.mount);
}

namespace detail {

// The connection (and the ring starter it may need) is made on first use: by run(),
// or by the first request a caller's own loop hands to process_request().
static void prepare_connection(Session& session, SessionState& s) {
  if (s.connection) return;
  const auto& o = s.options;
  if (o.debug && log_level() < LogLevel::debug) set_log_level(LogLevel::debug);
  ConnectionConfig cc;
  cc.trace = trace_of(o.debug, o.debug_format);
  cc.limits.max_read = o.mount.max_read.value_or(0);
  cc.limits.page_size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  cc.allow_root = o.mount.allow_root;
  cc.owner = ::getuid();
  cc.gate = s.reply_gate.ticket();
  cc.on_end = [&session] { session.exit(); };
  cc.on_ready = o.on_ready;
  cc.one_handler_at_a_time = o.single_thread;
  if (o.io_uring) {
    UringTransportConfig uc{s.mount.fd(), o.io_uring_q_depth, o.io_uring_threads, o.io_uring_pin,
                            std::chrono::microseconds(o.io_uring_spin_us)};
    // -s (and the C API's fuse_session_loop()): one thread runs every handler, as
    // asked, on every ring: single-threaded filesystems (fuse-overlayfs, whose
    // structures have no locks) must never see two handlers at once, whichever
    // CPU's queue a request comes from.
    uc.helpers = !o.single_thread;
    if (o.single_thread && uc.threads == 0) uc.threads = 1;
    s.uring = std::make_unique<SessionUringStarter>(uc, s.handler);
    cc.uring = s.uring.get();
    cc.limits.io_uring = true;
    cc.queues = 1 + uring_queue_count();
  }
  s.notify_target = std::make_unique<DevReplyTarget>(s.mount.fd());
  s.notify.attach(s.notify_target.get(), s.mount.fd());
  s.connection = std::make_unique<Connection>(s.fs, s.implemented, std::move(cc), &s.notify);
  s.handler = s.connection.get();
}

}  // namespace detail

int Session::run() {
  auto& s = *state_;
  if (s.mount.fd() < 0) {
    log(LogLevel::err, "uringfuse: Session::run() before a successful mount()");
    return EINVAL;
  }
  if (s.transport) {
    log(LogLevel::err, "uringfuse: Session::run() called twice");
    return EINVAL;
  }
  detail::prepare_connection(*this, s);
  const auto& o = s.options;
  detail::DevTransportConfig tc{s.mount.fd(), o.single_thread, o.max_threads, o.max_idle_threads,
                                o.clone_fd};
  tc.rings_active = s.connection->uring_active_flag();
  s.transport = std::make_unique<detail::DevTransport>(tc, *s.connection, [this] { exit(); });
  s.running.store(true);
  if (!exited()) {
    s.transport->start();
    detail::wait_for_wake(s.wake_fd);
  }
  s.exited.store(true);
  detail::stop_transport(*s.transport, s.mount, s.connection->interrupts());
  if (s.uring) {
    // A lazily detached mount keeps its connection while callers hold files open.
    // Ring threads that exit under a live connection make the kernel cancel the
    // requests already routed to their entries (ECANCELED to the caller). End the
    // connection first, as closing /dev/fuse at exit would: callers then get
    // ENOTCONN/ECONNABORTED, as over /dev/fuse. A connection that is already gone
    // (the usual, clean unmount) ends every entry within microseconds.
    using namespace std::chrono_literals;
    for (auto waited = 0ms; s.uring->entries_alive() && waited < 200ms; waited += 5ms)
      std::this_thread::sleep_for(5ms);
    if (s.uring->entries_alive()) {
      // Replies still coming (handlers, coroutines) must not be committed after the
      // abort: the kernel fails such a commit and logs it. A batch already prepared
      // is submitted within microseconds; give it a millisecond.
      s.uring->drop_replies();
      std::this_thread::sleep_for(1ms);
      detail::abort_connection(s.mount.connection_id());
    }
    s.uring->stop();
  }
  return finish_connection();
}

int Session::finish_connection() {
  auto& s = *state_;
  s.notify.set_ended();
  if (s.connection) s.connection->finish();
  s.running.store(false);
  if (s.connection && s.connection->refused()) {
    log(LogLevel::err, "uringfuse: the kernel's INIT was refused; the session ends");
    return EPROTO;
  }
  return 0;
}

void Session::adopt(int fd) { state_->mount = detail::Mount::adopt(fd); }

std::size_t Session::request_buffer_size() {
  detail::prepare_connection(*this, *state_);
  return state_->connection->request_buffer_size();
}

void Session::process_request(std::span<const std::byte> bytes, ReplyTarget* target) {
  auto& s = *state_;
  detail::prepare_connection(*this, s);
  auto head = bytes.first(std::min(bytes.size(), sizeof(abi::fuse_in_header)));
  detail::RawRequest raw{head, {}, bytes.subspan(head.size()), false, bytes.size(), "dev:caller"};
  detail::handle_with_slot(*s.connection, raw, target ? *target : *s.notify_target, *s.caller_slots);
}

void Session::set_workers(bool single_thread, unsigned max_threads, unsigned max_idle_threads,
                          bool clone_fd) {
  auto& o = state_->options;
  o.single_thread = single_thread;
  if (max_threads) o.max_threads = max_threads;
  if (max_idle_threads) o.max_idle_threads = max_idle_threads;
  o.clone_fd = clone_fd;
}

void Session::exit() noexcept {
  state_->exited.store(true);
  std::uint64_t one = 1;
  // Async-signal-safe: one write to an eventfd.
  [[maybe_unused]] auto n = ::write(state_->wake_fd, &one, sizeof one);
}

bool Session::exited() const noexcept { return state_->exited.load(); }

void Session::unmount() noexcept { state_->mount.unmount(); }

Notifier& Session::notifier() { return state_->notifier; }

std::vector<QueueStats> Session::queue_stats() const {
  auto& s = *state_;
  if (!s.uring || !s.uring->transport()) return {};
  return s.uring->transport()->stats();
}

bool Session::io_uring_active() const {
  return state_->connection && state_->connection->uring_active();
}

const std::string& Session::mountpoint() const { return state_->mount.mountpoint(); }

int Session::fd() const { return state_->mount.fd(); }

}  // namespace uringfuse
