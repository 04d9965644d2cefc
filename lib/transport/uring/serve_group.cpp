// Leader/follower serving of one group of rings; see serve_group.hpp.
#include "transport/uring/serve_group.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <string>

#include "support/futex.hpp"
#include "transport/uring/ring_queue.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

// The lead this thread holds, read on every reply. initial-exec: the default model
// calls __tls_get_addr.
struct LeadTurn {
  const ServeGroup* group = nullptr;
  RingLeadership::Ticket inline_ticket = 0;  // inside an inline handler: its run
};
thread_local LeadTurn t_turn __attribute__((tls_model("initial-exec")));

// Where a follower thread runs now (the first thread stays pinned throughout).
enum class FollowerPin : unsigned char { none, helper_cpus, lead_cpus };
thread_local FollowerPin t_follower_pin __attribute__((tls_model("initial-exec"))) = FollowerPin::none;

}  // namespace

ServeGroup::ServeGroup(std::vector<RingQueue*> queues, ServeGroupConfig config,
                       const std::atomic<bool>& stopping)
    : queues_(std::move(queues)), config_(config), stopping_(stopping) {
  if (config_.max_threads < 1) config_.max_threads = 1;
}

ServeGroup::~ServeGroup() {
  stop();
  if (standby_.joinable()) standby_.join();
  for (auto& t : followers_)
    if (t.joinable()) t.join();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

std::size_t ServeGroup::threads() const { return 1 + started_.load(std::memory_order_relaxed); }

bool ServeGroup::over() const {
  return ended_.load(std::memory_order_acquire) || stopping_.load(std::memory_order_relaxed);
}

void ServeGroup::stop() {
  ended_.store(true, std::memory_order_release);
  for (auto* q : queues_) q->wake();
  lead_.close();
  wake_standby();
}

void ServeGroup::take_turn() { t_turn = LeadTurn{this, 0}; }
void ServeGroup::drop_turn() { t_turn = LeadTurn{}; }

void ServeGroup::serve() {
  if (queues_.size() > 1) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (auto* q : queues_) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = q;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, q->completion_event_fd(), &ev);
    }
  }
  if (config_.helpers) {
    try {
      standby_ = std::thread([this] { standby_main(); });
    } catch (const std::exception& e) {
      log(LogLevel::warning, "uringfuse: %s: no standby thread (%s): a handler that blocks stalls its queue",
          queues_.front()->name(), e.what());
    }
  }
  follower_main();  // the first thread leads first: the lead starts free
  stop();           // the group is over: release everyone still parked
  if (standby_.joinable()) standby_.join();
  std::vector<std::thread> followers;
  {
    std::lock_guard lock(threads_mutex_);
    followers.swap(followers_);
  }
  for (auto& t : followers) t.join();
  {
    std::lock_guard lock(threads_mutex_);
    followers_.clear();
  }
  // Alone with the rings now: end the backend I/O still in flight, so that every
  // coroutine waiting on it finishes (and frees its frame) before the rings go.
  for (auto* q : queues_) q->finish_backend_io();
}

void ServeGroup::follower_main() {
  while (!over()) {
    if (lead_.try_lead()) {
      take_turn();
      lead();
      drop_turn();
      continue;
    }
    lead_.park();
  }
}

void ServeGroup::lead() {
  while (lead_once()) {
  }
}

// One round of the loop: everything completed, then submit and wait. False when the
// lead was lost (a handler handed it on) or the group is over.
bool ServeGroup::lead_once() {
  if (over()) {
    lead_.release();
    return false;
  }
  follow_lead_pin();
  bool any_alive = false;
  for (auto* q : queues_) {
    switch (q->process_completions()) {
      case RingQueue::Round::lead_lost:
        return false;
      case RingQueue::Round::alive:
        any_alive = true;
        break;
      case RingQueue::Round::ended:
        break;
    }
  }
  if (!any_alive) {  // every entry ended: unmounted or aborted
    ended_.store(true, std::memory_order_release);
    lead_.release();
    stop();
    return false;
  }
  if (queues_.size() == 1) {
    // Spinning only pays when the next request follows the reply at once; while
    // handlers block, it burns the CPU the other threads and the clients need.
    queues_.front()->submit_and_wait(pacing_.hand_on() ? std::chrono::microseconds(0) : config_.spin);
    return true;
  }
  // Several rings (and one thread: such a group has no followers): each signals an
  // eventfd on completion; wait on all of them, then handle what came in.
  bool work_waiting = false;
  for (auto* q : queues_) {
    q->submit();
    work_waiting = work_waiting || q->work_waiting();
  }
  epoll_event events[64];
  int n = ::epoll_wait(epoll_fd_, events, 64, work_waiting ? 0 : -1);
  for (int i = 0; i < n; ++i) {
    auto* q = static_cast<RingQueue*>(events[i].data.ptr);
    std::uint64_t count;
    [[maybe_unused]] auto r = ::read(q->completion_event_fd(), &count, sizeof count);
  }
  if (n < 0 && errno != EINTR) {
    log(LogLevel::err, "uringfuse: %s: epoll_wait: %s; the group stops", queues_.front()->name(),
        std::strerror(errno));
    ended_.store(true, std::memory_order_release);
  }
  return true;
}

ServeGroup::Run ServeGroup::before_handler() {
  Run run;
  if (config_.helpers && pacing_.hand_on()) {
    hand_lead_on();
  } else {
    run.ticket = lead_.enter_inline();
    t_turn.inline_ticket = run.ticket;
    if (standby_asleep_.load(std::memory_order_seq_cst)) wake_standby();
  }
  if (pacing_.wants_usage()) run.usage = RunUsage::now();
  run.start = std::chrono::steady_clock::now();
  return run;
}

bool ServeGroup::after_handler(RingQueue& queue, const Run& run, std::chrono::steady_clock::time_point sync_end,
                               RingEntry* kept) {
  const RunKind kind = RunUsage::classify(sync_end - run.start, run.usage);
  if (run.ticket == 0) {  // handed on: lead again only if nobody took it meanwhile
    pacing_.record(kind, false);
    if (kept) {
      // It blocked, then answered here: this thread takes the entry to a ring of its
      // own and serves it, as a /dev/fuse pool thread serves its read(), until that
      // ring ends. Its next requests then cost no hand-over of lead or reply.
      if (!move_ || !move_(queue, *kept)) queue.push_foreign(kept);
    } else if (grow_ && (kind == RunKind::blocked || kind == RunKind::unverified)) {
      // It blocked, off the lead, and was answered elsewhere: more of these are better
      // served by rings of their own. (Quick ones, an asynchronous handler's, are
      // not: a one-entry ring wakes once per reply where the queue's ring takes them
      // in batches.)
      grow_(queue);
    }
    if (!lead_.try_lead()) return false;
    take_turn();
    return true;
  }
  t_turn.inline_ticket = 0;
  if (!lead_.leave_inline(run.ticket)) {  // the standby took the lead away
    drop_turn();
    if (t_follower_pin == FollowerPin::lead_cpus) unpin();
    return false;
  }
  pacing_.record(kind, queue.completions_ready());
  return true;
}

bool ServeGroup::commit_here(RingQueue& queue, RingEntry* entry) {
  if (!begin_ring_here()) return false;
  queue.queue_commit(entry);
  end_ring_here();
  return true;
}

bool ServeGroup::begin_ring_here() {
  const LeadTurn turn = t_turn;
  if (turn.group != this) return false;
  if (turn.inline_ticket == 0) return true;  // the leader, in its loop
  return lead_.begin_ring_access(turn.inline_ticket);  // false: stolen meanwhile
}

void ServeGroup::end_ring_here() {
  if (t_turn.inline_ticket != 0) lead_.end_ring_access(t_turn.inline_ticket);
}

void ServeGroup::hand_lead_on() {
  drop_turn();
  if (t_follower_pin == FollowerPin::lead_cpus) unpin();
  handed_on_.fetch_add(1, std::memory_order_relaxed);
  if (!lead_.release()) start_follower();
}

void ServeGroup::start_follower() {
  std::lock_guard lock(threads_mutex_);
  if (over() || 1 + followers_.size() >= config_.max_threads) return;  // someone finishing will lead
  try {
    // Inherits this thread's blocked signals. Not its pin: a follower mostly waits
    // in a handler, and what handlers compute should spread over every CPU, as the
    // /dev/fuse pool's does, rather than queue behind the client on the queue's CPU.
    started_.fetch_add(1, std::memory_order_relaxed);
    followers_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "fuse-ring-help");
      unpin();
      follower_main();
    });
  } catch (const std::exception& e) {
    if (!spawn_failed_)
      log(LogLevel::warning, "uringfuse: %s: cannot start a ring helper thread (%s); serving with %zu",
          queues_.front()->name(), e.what(), 1 + followers_.size());
    spawn_failed_ = true;
  }
}

void ServeGroup::unpin() {
  t_follower_pin = FollowerPin::helper_cpus;
  if (CPU_COUNT(&config_.helper_cpus) > 0)
    pthread_setaffinity_np(pthread_self(), sizeof config_.helper_cpus, &config_.helper_cpus);
}

void ServeGroup::follow_lead_pin() {
  // Measured (bench/run-after-blocking.sh): after a burst of blocking reads the lead
  // stayed with an unpinned follower, which the scheduler moved off the caller's CPU;
  // quick stats then ran at half their rate (71k/s against 160k/s before the burst).
  if (t_follower_pin != FollowerPin::helper_cpus || pacing_.hand_on() ||
      CPU_COUNT(&config_.lead_cpus) == 0)
    return;
  t_follower_pin = FollowerPin::lead_cpus;
  pthread_setaffinity_np(pthread_self(), sizeof config_.lead_cpus, &config_.lead_cpus);
}

void ServeGroup::wake_standby() {
  standby_asleep_.store(false, std::memory_order_seq_cst);
  standby_wake_.fetch_add(1, std::memory_order_seq_cst);
  futex_wake(standby_wake_, 1);
}

void ServeGroup::standby_main() {
  pthread_setname_np(pthread_self(), "fuse-ring-watch");
  unpin();  // its looks should not preempt the ring thread and the caller on their CPU
  RingLeadership::Ticket last = lead_.observe();
  unsigned idle_ticks = 0, held_ticks = 0;
  while (!over()) {
    const std::uint32_t seen = standby_wake_.load(std::memory_order_seq_cst);
    const RingLeadership::Ticket now = lead_.observe();
    // The same inline run for kStealAfterTicks looks in a row: its handler has held
    // the ring that long.
    held_ticks = now == last && RingLeadership::in_inline_handler(now) ? held_ticks + 1 : 0;
    if (held_ticks >= kStealAfterTicks) {
      held_ticks = 0;
      bool woke = false;
      if (lead_.steal(now, &woke)) {
        stolen_.fetch_add(1, std::memory_order_relaxed);
        pacing_.stolen();
        if (!woke) start_follower();
      }
    }
    idle_ticks = RingLeadership::sequence(now) == RingLeadership::sequence(last) ? idle_ticks + 1 : 0;
    last = now;
    if (idle_ticks < kStandbyIdleTicks) {
      futex_wait(standby_wake_, seen, kStandbyTick);
      continue;
    }
    // Nothing ran for a while: sleep until the leader starts a handler (it wakes us).
    standby_asleep_.store(true, std::memory_order_seq_cst);
    if (RingLeadership::sequence(lead_.observe()) == RingLeadership::sequence(last) && !over())
      futex_wait(standby_wake_, seen);
    standby_asleep_.store(false, std::memory_order_seq_cst);
    idle_ticks = 0;
  }
}

}  // namespace uringfuse::detail
