// The threads that serve one group of rings (one ring, unless io_uring_threads asked
// for fewer threads than queues): a leader/follower pool around RingLeadership.
//
// The group's first thread (pinned, the one that built the rings) leads. The leader
// runs quick handlers itself, as before; when handlers block while other requests
// wait (HandlerPacing), it hands the lead to a parked follower before each handler,
// so the ring keeps being served while the handler sleeps, and starts a follower
// when none is parked, up to one per ring entry. A standby thread looks every tick
// (10 ms) while the group is busy and takes the lead away from a handler that has
// held it for two ticks, so even a handler that blocks first (waiting for a
// request behind it on the same queue, say) cannot stall the queue for long. Once handlers
// are quick again the extra threads stay parked.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "transport/uring/handler_pacing.hpp"
#include "transport/uring/ring_leadership.hpp"
#include "transport/uring/run_usage.hpp"

namespace uringfuse::detail {

class RingQueue;
class RingEntry;

struct ServeGroupConfig {
  std::chrono::microseconds spin{0};  // yield-spin before sleeping (one ring per group)
  bool helpers = true;                // false: the first thread runs every handler (-s)
  cpu_set_t helper_cpus{};            // where followers may run (empty: where their creator does)
  cpu_set_t lead_cpus{};              // where the first thread is pinned (empty: not pinned)
  std::size_t max_threads = 1;        // followers + leader; the entries of the group + 1
};

class ServeGroup {
 public:
  ServeGroup(std::vector<RingQueue*> queues, ServeGroupConfig config, const std::atomic<bool>& stopping);
  ~ServeGroup();
  ServeGroup(const ServeGroup&) = delete;
  ServeGroup& operator=(const ServeGroup&) = delete;

  // On the first thread, with the rings built and registered: serves until every
  // entry has ended or stop(); joins the group's other threads before returning.
  void serve();
  void stop();  // from any thread
  // Called after each handed-on handler that blocked (ran for HandlerPacing::kSlow or
  // longer): a chance to add capacity for handlers that block.
  void on_hand_on(std::function<void(RingQueue&)> grow) { grow_ = std::move(grow); }
  // A handler run off the lead that blocked and then answered on its own thread: the
  // thread takes the answered entry to a ring of its own and serves it there, for as
  // long as that ring lives; false when it cannot (the entry is handed to the leader).
  using MoveEntry = std::function<bool(RingQueue&, RingEntry&)>;
  void on_blocked_reply(MoveEntry move) { move_ = std::move(move); }
  bool moves_entries() const { return static_cast<bool>(move_); }

  // What a handler run looks like to the group; made by before_handler().
  struct Run {
    RingLeadership::Ticket ticket = 0;  // 0: handed on (run off the lead)
    std::chrono::steady_clock::time_point start;
    RunUsage usage;  // taken when the pacing asked for it
  };
  // The leader, about to run a handler: runs it inline or hands the lead on.
  Run before_handler();
  // The same thread, after it: true when it holds the lead again (go on serving),
  // false when it is a follower now. `sync_end`: when the run's synchronous part
  // ended, the time taken as its blocking time: the handler's end, or its first
  // backend operation on the ring (what it awaits holds nothing), or the run's start
  // for the rest of a coroutine. A standby still rescues any run that really holds
  // the ring.
  // `kept`: the run's entry, answered and kept for a move (RingQueue::keep_for_move).
  bool after_handler(RingQueue& queue, const Run& run, std::chrono::steady_clock::time_point sync_end,
                     RingEntry* kept = nullptr);
  // A reply made on this thread: commits it directly when the thread holds the lead
  // (in its loop, or in an inline handler not stolen); false: hand it over instead.
  bool commit_here(RingQueue& queue, RingEntry* entry);
  // This thread may touch the group's rings now (as commit_here() does); then
  // end_ring_here() follows. For backend I/O started by a handler.
  bool begin_ring_here();
  void end_ring_here();

  std::uint64_t handed_on() const { return handed_on_.load(std::memory_order_relaxed); }
  std::uint64_t stolen() const { return stolen_.load(std::memory_order_relaxed); }
  std::size_t threads() const;  // the first one and every follower it started

  // The standby's look interval. A rescue is rare (a handler that blocks before any
  // other request waits), so it may take a tick or two; every look wakes a thread,
  // which costs the fast path (1 ms cost 10% of a null GETATTR's rate and tripled
  // its p99 on the 2-vCPU machine).
  static constexpr std::chrono::milliseconds kStandbyTick{10};
  // Looks in a row that must find the same handler holding the ring before the
  // standby takes it: one tick is within reach of a preempted virtual CPU (a steal
  // then sent a tmpfs metadata workload into handing its lead on).
  static constexpr unsigned kStealAfterTicks = 2;
  // Ticks without a handler run before the standby sleeps until the next one.
  static constexpr unsigned kStandbyIdleTicks = 10;

 private:
  void lead();  // as leader: until the lead is lost or the group ends
  bool lead_once();
  void follower_main();
  void standby_main();
  void hand_lead_on();
  void start_follower();
  void take_turn();  // this thread holds the lead now
  void drop_turn();
  bool over() const;
  void wake_standby();
  void unpin();  // this thread may run on any of helper_cpus
  // A follower leading while handlers run inline sits where the first thread would:
  // the inline fast path is the caller and the ring thread taking turns on one CPU.
  // One that runs a handler off the lead is unpinned again.
  void follow_lead_pin();

  std::vector<RingQueue*> queues_;
  ServeGroupConfig config_;
  const std::atomic<bool>& stopping_;
  RingLeadership lead_;
  HandlerPacing pacing_;
  std::atomic<bool> ended_{false};
  int epoll_fd_ = -1;  // several rings: their completion eventfds

  mutable std::mutex threads_mutex_;
  std::vector<std::thread> followers_;
  std::thread standby_;
  std::atomic<bool> standby_asleep_{false};
  std::atomic<std::uint32_t> standby_wake_{0};
  bool spawn_failed_ = false;  // logged once

  std::function<void(RingQueue&)> grow_;
  MoveEntry move_;
  std::atomic<std::uint64_t> handed_on_{0}, stolen_{0};
  std::atomic<std::size_t> started_{0};
};

}  // namespace uringfuse::detail
