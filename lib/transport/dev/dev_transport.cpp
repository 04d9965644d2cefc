// Worker threads of the classic transport. Each owns its read buffer; replies go out
// on the fd the request came from. Signals are blocked in workers so that SIGINT and
// friends reach the session's waiting thread, never a reader.
#include "transport/dev/dev_transport.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "abi/fuse_abi.hpp"
#include "transport/dev/dev_reply_target.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

// Starts a thread with every blockable signal masked (the mask is inherited).
template <class F>
std::thread start_thread_without_signals(F&& body) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  std::thread t(std::forward<F>(body));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

enum class ReadOutcome { request, retry, ended };

ReadOutcome read_request(DeviceIo* io, int fd, std::vector<std::byte>& buf, ssize_t& n) {
  n = io ? io->read(fd, buf.data(), buf.size()) : ::read(fd, buf.data(), buf.size());
  if (n > 0) return ReadOutcome::request;
  int err = n < 0 ? errno : 0;
  // ENOENT: the request was interrupted before we read it. EINTR/EAGAIN: try again.
  if (err == EINTR || err == EAGAIN || err == ENOENT) return ReadOutcome::retry;
  if (err == 0 || err == ENODEV) {  // unmounted or aborted (end of file: a test's socket)
    log(LogLevel::debug, "uringfuse: /dev/fuse: the connection has ended");
  } else {
    log(LogLevel::err, "uringfuse: reading /dev/fuse: %s; the session ends", std::strerror(err));
  }
  return ReadOutcome::ended;
}

bool is_forget(std::span<const std::byte> request) {
  if (request.size() < sizeof(abi::fuse_in_header)) return false;
  abi::fuse_in_header h;
  std::memcpy(&h, request.data(), sizeof h);
  auto op = static_cast<abi::Opcode>(h.opcode);
  return op == abi::Opcode::FORGET || op == abi::Opcode::BATCH_FORGET;
}

}  // namespace

DevTransport::DevTransport(DevTransportConfig config, RequestHandler& handler,
                           std::function<void()> on_end)
    : config_(config), handler_(handler), on_end_(std::move(on_end)) {
  if (config_.max_threads == 0) config_.max_threads = 1;
  targets_.push_back(make_target(config_.fd));  // the session fd's target, shared by non-clones
}

DevReplyTarget DevTransport::make_target(int fd) {
  if (!config_.io) return DevReplyTarget(fd, {}, &replies_);  // the plain writev(2), no indirection
  return DevReplyTarget(
      fd, [io = config_.io](int f, iovec* parts, int count) { return io->writev(f, parts, count); }, &replies_);
}

DevTransport::~DevTransport() {
  request_stop();
  join();
  for (auto& t : targets_)
    if (t.fd() != config_.fd) ::close(t.fd());
}

void DevTransport::start() {
  std::lock_guard lock(mutex_);
  spawn_locked();
}

void DevTransport::spawn_locked() {
  reap_locked();
  Worker& w = workers_.emplace_back();
  ++running_;
  peak_running_ = std::max(peak_running_, running_);
  w.thread = start_thread_without_signals([this, &w] { worker_main(w); });
}

void DevTransport::reap_locked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done.load() && it->thread.joinable()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

int DevTransport::clone_device_fd() {
  int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    log(LogLevel::warning, "uringfuse: clone_fd: opening /dev/fuse: %s; sharing the session fd",
        std::strerror(errno));
    return -1;
  }
  std::uint32_t master = static_cast<std::uint32_t>(config_.fd);
  if (::ioctl(fd, abi::DEV_IOC_CLONE, &master) != 0) {
    log(LogLevel::warning, "uringfuse: clone_fd: FUSE_DEV_IOC_CLONE: %s; sharing the session fd",
        std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

DevReplyTarget& DevTransport::acquire_target() {
  std::lock_guard lock(mutex_);
  if (!config_.clone_fd) return targets_.front();
  if (!free_clones_.empty()) {
    DevReplyTarget* t = free_clones_.back();
    free_clones_.pop_back();
    return *t;
  }
  int fd = clone_device_fd();
  if (fd < 0) return targets_.front();
  return targets_.emplace_back(make_target(fd));
}

void DevTransport::release_target(DevReplyTarget& target) {
  if (target.fd() == config_.fd) return;
  std::lock_guard lock(mutex_);
  free_clones_.push_back(&target);
}

bool DevTransport::should_retire_locked() const {
  // While the rings serve, /dev/fuse carries only FORGET, INTERRUPT and DESTROY: one
  // reader is enough, and more would each be woken by the FORGETs the pause batches.
  if (running_ > 1 && rings_serve()) return true;
  return !config_.single_thread && idle_ >= config_.max_idle_threads && running_ > 1;
}

bool DevTransport::rings_serve() const {
  return config_.rings_active && config_.rings_active->load(std::memory_order_relaxed);
}

void DevTransport::worker_main(Worker& self) {
  DevReplyTarget& target = acquire_target();
  const int fd = target.fd();
  std::string_view via = fd == config_.fd ? "dev" : "dev:clone";
  std::vector<std::byte> buf(handler_.request_buffer_size());
  OwnedSlot slot;
  bool connection_ended = false;

  while (!stopping_.load()) {
    {
      std::lock_guard lock(mutex_);
      ++idle_;
    }
    ssize_t n = 0;
    ReadOutcome got = read_request(config_.io, fd, buf, n);
    {
      std::lock_guard lock(mutex_);
      --idle_;
      if (got == ReadOutcome::request && !config_.single_thread && idle_ == 0 &&
          running_ < config_.max_threads && !stopping_.load() && !rings_serve())
        spawn_locked();  // everyone is busy: add a reader before working
    }
    if (got == ReadOutcome::ended) {
      connection_ended = true;
      break;
    }
    if (got == ReadOutcome::request) {
      auto bytes = std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n));
      RawRequest raw{bytes.first(std::min(bytes.size(), sizeof(abi::fuse_in_header))), {},
                     bytes.subspan(std::min(bytes.size(), sizeof(abi::fuse_in_header))), false,
                     bytes.size(), via};
      requests_.fetch_add(1, std::memory_order_relaxed);
      RequestSlot& request = slot.next(*slots_);
      request.target = &target;
      handler_.handle(raw, request);
      if (rings_serve() && is_forget(bytes))
        std::this_thread::sleep_for(config_.forget_pause);
      // INIT may have changed max_write: the next read needs room for it.
      if (buf.size() != handler_.request_buffer_size()) buf.resize(handler_.request_buffer_size());
    }
    std::lock_guard lock(mutex_);
    if (should_retire_locked()) break;
  }

  release_target(target);
  {
    std::lock_guard lock(mutex_);
    --running_;
  }
  self.done.store(true);
  if (connection_ended && !ended_.exchange(true) && on_end_) on_end_();
}

bool DevTransport::all_stopped() const {
  std::lock_guard lock(mutex_);
  return running_ == 0;
}

DevTransport::Stats DevTransport::stats() const {
  std::lock_guard lock(mutex_);
  return {requests_.load(std::memory_order_relaxed), replies_.load(std::memory_order_relaxed), peak_running_};
}

unsigned DevTransport::thread_count() const {
  std::lock_guard lock(mutex_);
  return running_;
}

void DevTransport::join() {
  // Workers spawn workers, so take the list in rounds until it stays empty.
  for (;;) {
    std::list<Worker> finished;
    {
      std::lock_guard lock(mutex_);
      if (workers_.empty()) return;
      finished.splice(finished.end(), workers_);
    }
    for (auto& w : finished)
      if (w.thread.joinable()) w.thread.join();
  }
}

}  // namespace uringfuse::detail
