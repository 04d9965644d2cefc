#include "transport/uring/solo_rings.hpp"

#include <pthread.h>

#include <algorithm>
#include <exception>

#include "transport/uring/ring_queue.hpp"
#include "transport/uring/serve_group.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {

struct SoloRings::Solo {
  std::unique_ptr<RingQueue> queue;
  std::unique_ptr<ServeGroup> group;
  std::thread thread;
};

SoloRings::SoloRings(SoloRingsConfig config, RequestHandler& handler, const std::atomic<bool>& stopping)
    : config_(config), handler_(handler), stopping_(stopping) {}

SoloRings::~SoloRings() { stop(); }

std::unique_ptr<SoloRings::Solo> SoloRings::make_solo() const {
  auto solo = std::make_unique<Solo>();
  solo->queue = std::make_unique<RingQueue>(config_.qid, config_.cpu, 1, config_.dev_fd, handler_);
  ServeGroupConfig gc;  // no spin, no followers: one thread runs the ring's one entry's handlers
  gc.helpers = false;
  solo->group = std::make_unique<ServeGroup>(std::vector<RingQueue*>{solo->queue.get()}, gc, stopping_);
  solo->queue->set_group(solo->group.get(), false);
  return solo;
}

std::size_t SoloRings::count() const {
  std::lock_guard lock(mutex_);
  return rings_.size();
}

void SoloRings::grow() {
  if (full_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mutex_);
  if (stopped_ || stopping_.load(std::memory_order_relaxed) || grown_ >= config_.max_rings) {
    full_.store(true, std::memory_order_relaxed);
    return;
  }
  std::unique_ptr<Solo> solo;
  try {
    solo = make_solo();
    // Built here, before its thread exists and under the lock stop() takes: stop()
    // may wake the ring at any time after. (Its thread is not pinned, so there is no
    // NUMA node to build it on.) The entry is registered from the ring's own thread,
    // which the kernel then wakes for its requests.
    solo->queue->setup(config_.payload_size, false, config_.make_buffers);
    Solo& s = *solo;
    solo->thread = std::thread([this, &s] { run(s); });
  } catch (const std::exception& e) {
    if (!failed_)
      log(LogLevel::warning, "uringfuse: uring:q%u: cannot add a one-entry ring (%s); serving with %zu",
          config_.qid, e.what(), rings_.size());
    failed_ = true;
    return;
  }
  rings_.push_back(std::move(solo));
  if (++grown_ >= config_.max_rings) full_.store(true, std::memory_order_relaxed);
}

bool SoloRings::move_in(RingQueue& home, RingEntry& entry) {
  Solo* s = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (stopped_ || stopping_.load(std::memory_order_relaxed)) return false;
    std::unique_ptr<Solo> solo;
    try {
      solo = make_solo();
      solo->queue->setup_without_entries();
    } catch (const std::exception& e) {
      if (!failed_)
        log(LogLevel::warning, "uringfuse: uring:q%u: cannot add a ring for a handler that blocks (%s); its "
            "entry stays on the queue's ring", config_.qid, e.what());
      failed_ = true;
      return false;
    }
    s = solo.get();
    rings_.push_back(std::move(solo));
    ++moved_;
    // Committed before the lock is dropped: stop() may end the ring's group any time
    // after, and the reply must be out by then.
    s->queue->take_in(entry, home);
  }
  char name[16] = "";
  pthread_getname_np(pthread_self(), name, sizeof name);
  pthread_setname_np(pthread_self(), "fuse-ring-own");
  s->group->serve();
  pthread_setname_np(pthread_self(), name);  // back to the home queue's threads
  retire(*s);
  return true;
}

void SoloRings::retire(const Solo& solo) {
  // Over: its entry went home or ended. Kept only as counters, so that a workload
  // that blocks now and then does not pile up rings. If stop() holds the rings now,
  // it keeps this one with the rest; so it does when the ring ended for a stop with
  // its entry still on it (the ring goes with the transport, as the others do).
  if (solo.queue->alive()) return;
  std::lock_guard lock(mutex_);
  auto it = std::find_if(rings_.begin(), rings_.end(), [&](const auto& r) { return r.get() == &solo; });
  if (it == rings_.end()) return;
  add_queue_stats(retired_, (*it)->queue->stats());
  rings_.erase(it);
}

void SoloRings::run(Solo& solo) {
  pthread_setname_np(pthread_self(), "fuse-ring-solo");
  solo.queue->submit_registers();
  solo.group->serve();
}

void SoloRings::stop() {
  std::vector<std::unique_ptr<Solo>> rings;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    full_.store(true, std::memory_order_relaxed);
    rings.swap(rings_);
  }
  for (auto& s : rings) s->group->stop();
  for (auto& s : rings)
    if (s->thread.joinable()) s->thread.join();
  std::lock_guard lock(mutex_);
  for (auto& s : rings) rings_.push_back(std::move(s));  // kept for their counters
}

void SoloRings::drop_replies() {
  std::lock_guard lock(mutex_);
  for (auto& s : rings_) s->queue->drop_replies();
}

void SoloRings::add_queue_stats(QueueStats& into, const QueueStats& ring) {
  into.requests += ring.requests;
  into.replies += ring.replies;
  into.high_water += ring.high_water;  // entries busy at once, at most: the sum
  into.backend_ops += ring.backend_ops;
  into.submitted_at_once += ring.submitted_at_once;
  into.left_to_batch += ring.left_to_batch;
  into.returned_entries += ring.returned_entries;
}

void SoloRings::add_stats(QueueStats& into) const {
  std::lock_guard lock(mutex_);
  add_queue_stats(into, retired_);
  for (const auto& s : rings_) add_queue_stats(into, s->queue->stats());
  into.solo_rings = grown_;
  into.moved_entries = moved_;
}

}  // namespace uringfuse::detail
