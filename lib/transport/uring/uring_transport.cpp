// Threads of the io_uring transport: build rings, wait for the go, serve until stop.
#include "transport/uring/uring_transport.hpp"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "transport/uring/cpu_topology.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {

UringTransport::UringTransport(UringTransportConfig config, RequestHandler& handler)
    : config_(config), handler_(handler) {
  auto cpus = possible_cpus();
  std::size_t n = uring_queue_count();
  for (std::size_t q = 0; q < n; ++q) {
    int cpu = q < cpus.size() ? cpus[q] : static_cast<int>(q);
    queues_.push_back(std::make_unique<RingQueue>(static_cast<unsigned>(q), cpu,
                                                  std::max<std::size_t>(config_.depth, 1),
                                                  config_.dev_fd, handler_));
  }
  std::size_t threads = config_.threads == 0 ? n : std::min(config_.threads, n);
  groups_.resize(threads);
  for (std::size_t q = 0; q < n; ++q) groups_[q % threads].push_back(q);
}

UringTransport::~UringTransport() { stop(); }

std::size_t UringTransport::memory_bytes() const {
  std::size_t total = 0;
  for (const auto& q : queues_) total += q->memory_bytes();
  return total;
}

std::vector<QueueStats> UringTransport::stats() const {
  std::vector<QueueStats> out;
  for (const auto& q : queues_) out.push_back(q->stats());
  return out;
}

bool UringTransport::prepare(std::size_t payload_size, std::string& why) {
  payload_size_ = payload_size;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // ring threads never take signals
  std::string spawn_failure;
  try {
    threads_.reserve(groups_.size());
    for (std::size_t g = 0; g < groups_.size(); ++g)
      threads_.emplace_back([this, g] { thread_main(g); });
  } catch (const std::exception& e) {
    // No thread (EAGAIN) or no memory: stop the threads already started, as for a
    // ring that failed, rather than let the exception leave them waiting.
    spawn_failure = std::string("starting ring threads: ") + e.what();
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  std::unique_lock lock(mutex_);
  if (spawn_failure.empty()) cv_.wait(lock, [&] { return ready_ + failed_ == groups_.size(); });
  if (failed_ == 0 && spawn_failure.empty()) return true;
  why = spawn_failure.empty() ? failure_ : spawn_failure;
  phase_ = Phase::abort;
  cv_.notify_all();
  lock.unlock();
  for (auto& t : threads_) t.join();
  threads_.clear();
  return false;
}

void UringTransport::go() {
  std::lock_guard lock(mutex_);
  phase_ = Phase::go;
  cv_.notify_all();
}

void UringTransport::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(mutex_);
    if (phase_ == Phase::building) phase_ = Phase::abort;
    cv_.notify_all();
  }
  for (auto& q : queues_) q->wake();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void UringTransport::pin(const std::vector<RingQueue*>& queues) {
  if (!config_.pin) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (auto* q : queues) CPU_SET(q->cpu(), &set);
  if (int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set))
    log(LogLevel::warning, "uringfuse: pinning ring thread: %s", std::strerror(err));
}

void UringTransport::thread_main(std::size_t group) {
  std::vector<RingQueue*> mine;
  for (auto q : groups_[group]) mine.push_back(queues_[q].get());
  pin(mine);  // first, so the buffers are touched on the right node
  pthread_setname_np(pthread_self(), ("fuse-ring-" + std::to_string(mine.front()->qid())).c_str());
  bool ok = true;
  try {
    for (auto* q : mine) q->setup(payload_size_, mine.size() > 1, config_.make_buffers);
  } catch (const std::exception& e) {
    ok = false;
    std::lock_guard lock(mutex_);
    if (failure_.empty()) failure_ = e.what();
  } catch (...) {  // escaping a thread would terminate the daemon
    ok = false;
    std::lock_guard lock(mutex_);
    if (failure_.empty()) failure_ = "setting up a ring threw a non-standard exception";
  }
  {
    std::unique_lock lock(mutex_);
    ++(ok ? ready_ : failed_);
    cv_.notify_all();
    cv_.wait(lock, [&] { return phase_ != Phase::building; });
    if (phase_ == Phase::abort || !ok) return;
  }
  for (auto* q : mine) q->submit_registers();
  serve(mine);
}

void UringTransport::serve(std::vector<RingQueue*>& queues) {
  if (queues.size() == 1) {
    RingQueue& q = *queues.front();
    while (!stopping_.load(std::memory_order_relaxed)) {
      q.submit_and_wait(config_.spin);
      if (!q.process_completions()) break;  // every entry ended: unmounted
    }
    return;
  }
  // Several rings on one thread: each signals an eventfd on completion; wait on all.
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (auto* q : queues) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = q;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, q->completion_event_fd(), &ev);
  }
  while (!stopping_.load(std::memory_order_relaxed)) {
    for (auto* q : queues) q->submit();
    epoll_event events[64];
    int n = ::epoll_wait(ep, events, 64, -1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      auto* q = static_cast<RingQueue*>(events[i].data.ptr);
      std::uint64_t count;
      [[maybe_unused]] auto r = ::read(q->completion_event_fd(), &count, sizeof count);
    }
    bool any_alive = false;
    for (auto* q : queues) any_alive |= q->process_completions();
    if (!any_alive) break;
  }
  ::close(ep);
}

}  // namespace uringfuse::detail
