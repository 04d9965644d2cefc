// Threads of the io_uring transport: build rings, wait for the go, serve until stop.
#include "transport/uring/uring_transport.hpp"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
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
  group_queues_.resize(threads);
  for (std::size_t q = 0; q < n; ++q) group_queues_[q % threads].push_back(queues_[q].get());
  ServeGroupConfig gc;
  gc.spin = config_.spin;
  gc.helpers = config_.helpers;
  CPU_ZERO(&gc.helper_cpus);
  sched_getaffinity(0, sizeof gc.helper_cpus, &gc.helper_cpus);  // before any ring thread pins
  for (auto& mine : group_queues_) {
    // At most one handler per entry, plus the thread leading the ring meanwhile.
    gc.max_threads = mine.size() * std::max<std::size_t>(config_.depth, 1) + 1;
    // A thread serving several rings (io_uring_threads below the queue count) keeps
    // running every handler itself: followers and one-entry rings are only built for
    // one ring per thread so far (a rare hang with several rings sharing the lead was
    // seen under the sanitizers and is not understood yet; doc/io_uring.md).
    gc.helpers = config_.helpers && mine.size() == 1;
    CPU_ZERO(&gc.lead_cpus);
    if (config_.pin)
      for (auto* q : mine) CPU_SET(q->cpu(), &gc.lead_cpus);
    groups_.push_back(std::make_unique<ServeGroup>(mine, gc, stopping_));
    for (auto* q : mine) q->set_group(groups_.back().get(), mine.size() > 1);
  }
}

UringTransport::~UringTransport() { stop(); }

std::size_t UringTransport::memory_bytes() const {
  std::size_t total = 0;
  for (const auto& q : queues_) total += q->memory_bytes();
  return total;
}

bool UringTransport::entries_alive() const {
  for (const auto& q : queues_)
    if (q->alive()) return true;
  return false;
}

std::vector<QueueStats> UringTransport::stats() const {
  std::vector<QueueStats> out;
  for (const auto& q : queues_) {
    out.push_back(q->stats());
    if (q->qid() < solos_.size()) solos_[q->qid()]->add_stats(out.back());
  }
  return out;
}

bool UringTransport::prepare(std::size_t payload_size, std::string& why) {
  payload_size_ = payload_size;
  if (config_.helpers && thread_count() == queue_count()) {  // the groups that have helpers
    for (auto& q : queues_) {
      SoloRingsConfig sc{q->qid(), q->cpu(), config_.dev_fd, payload_size, std::max<std::size_t>(config_.depth, 1),
                         config_.make_buffers};
      solos_.push_back(std::make_unique<SoloRings>(sc, handler_, stopping_));
    }
    for (auto& g : groups_) {
      g->on_hand_on([this](RingQueue& q) { solos_[q.qid()]->grow(); });
      g->on_blocked_reply([this](RingQueue& q, RingEntry& e) { return solos_[q.qid()]->move_in(q, e); });
    }
  }
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
  for (auto& g : groups_) g->stop();
  // Before the joins: a follower serving a moved entry's ring (SoloRings::move_in)
  // returns to its group only once that ring stops.
  for (auto& s : solos_) s->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void UringTransport::drop_replies() {
  for (auto& q : queues_) q->drop_replies();
  for (auto& s : solos_) s->drop_replies();
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
  const std::vector<RingQueue*>& mine = group_queues_[group];
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
  groups_[group]->serve();
}

}  // namespace uringfuse::detail
