// One FUSE-over-io_uring queue: its ring (SQE128, /dev/fuse as fixed file 0), its
// entries with their buffers, and the loop that turns completions into requests and
// replies into COMMIT_AND_FETCH commands, submitted once per batch. A ring has a
// single issuer at a time, the lead of its ServeGroup: replies made on other
// threads are handed over through a lock-free stack and an eventfd the ring polls.
#pragma once

#include <liburing.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "async/io_queue.hpp"
#include "core/raw_request.hpp"
#include "transport/uring/buffer_provider.hpp"
#include "transport/uring/ring_entry.hpp"
#include "transport/uring/submit_cost.hpp"
#include "uringfuse/queue_stats.hpp"

namespace uringfuse::detail {

class ServeGroup;

class RingQueue final : public EntryOwner, public IoRing {
 public:
  // What one round of completions left: the ring still serving, every entry ended,
  // or the lead gone to another thread (a handler handed it on or had it stolen).
  enum class Round { alive, ended, lead_lost };

  RingQueue(unsigned qid, int cpu, std::size_t depth, int dev_fd, RequestHandler& handler);
  ~RingQueue() override;
  RingQueue(const RingQueue&) = delete;
  RingQueue& operator=(const RingQueue&) = delete;

  // On the serving thread: ring, fixed file, buffers (from `make_buffers`), wake-up
  // poll. Throws std::system_error naming what failed (or what the factory throws);
  // the destructor frees whatever was set up before.
  void setup(std::size_t payload_size, bool want_event_fd,
             BufferFactory make_buffers = make_numa_buffers);
  // The same for a ring that registers nothing of its own: it serves entries of
  // another queue that move to it (take_in()).
  void setup_without_entries();
  // On the thread that will lead this ring, before it serves: `entry`, answered on
  // this thread and registered by `home` (the same kernel queue), is committed here
  // and carries its next requests here. `home` still counts it as its own entry:
  // its loop goes on while the entry lives, and learns when it ends.
  void take_in(RingEntry& entry, RingQueue& home);
  // Quick replies in a row after which a taken-in entry goes back to its home ring:
  // enough that an entry whose requests still block now and then stays (every move
  // builds a ring), few enough that a burst of quick requests gets its fast path back.
  static constexpr unsigned kQuickToGoHome = 16;
  // After the INIT reply is out: hand every entry to the kernel. All at once: the
  // kernel gives an entry registered later only requests that arrive after it, never
  // one already waiting for a free entry (doc/performance.md, "Tried again").
  void submit_registers();
  // Submits what is queued and blocks for at least one completion; first, for up to
  // `spin`, yields the CPU while none is there yet.
  void submit_and_wait(std::chrono::microseconds spin);
  void submit();
  // Handles every available completion, one at a time, while this thread leads.
  Round process_completions();
  // Completions waiting to be handled (the leader asks, after a handler).
  bool completions_ready();
  void set_group(ServeGroup* group, bool shares_thread) {
    group_ = group;
    shares_thread_ = shares_thread;
  }

  void wake();  // from any thread
  void drop_replies() { dropping_.store(true, std::memory_order_release); }  // any thread
  void push_foreign(RingEntry* entry) override;
  bool commit_here(RingEntry* entry) override;
  bool keep_for_move(RingEntry* entry) override;
  IoQueue* io_queue() noexcept { return &io_; }
  // Coroutines to resume or hand-overs to take: the leader must not sleep.
  bool work_waiting() const noexcept { return io_.has_ready() || handovers_waiting(); }
  // After serving, alone with the ring: cancels the backend I/O in flight and
  // completes it, so every coroutine waiting on it finishes.
  void finish_backend_io();
  int completion_event_fd() const { return cq_event_fd_; }
  bool alive() const { return live_entries_.load(std::memory_order_relaxed) > 0; }  // any thread

  unsigned qid() const { return qid_; }
  int cpu() const { return cpu_; }
  std::size_t memory_bytes() const { return buffers_ ? buffers_->bytes() : 0; }
  QueueStats stats() const;

  // By the thread that leads the ring: submit the entry's COMMIT_AND_FETCH.
  void queue_commit(RingEntry* entry);
  const char* name() const override { return via_.c_str(); }

 private:
  // IoRing, for the backend I/O of coroutines (async/io_queue.hpp).
  bool begin_ring_access() noexcept override;
  void end_ring_access() noexcept override;
  io_uring_sqe* io_sqe() noexcept override { return next_sqe(); }
  void io_handed_over() noexcept override { wake_if_asleep(); }
  void io_starting() noexcept override;

  // False when the lead was lost while handling it.
  bool handle_completion(std::uint64_t user_data, int res);
  bool resume(std::coroutine_handle<> coroutine);  // like a handler run
  bool handovers_waiting() const noexcept {
    return foreign_.load(std::memory_order_seq_cst) || io_.handovers_waiting();
  }
  void wake_if_asleep();
  bool handle_request(RingEntry* entry);
  void drain_foreign();
  void setup_ring(bool want_event_fd);
  void count_entry_ended();  // here, and at home for an entry taken in
  // On the thread leading this ring: whether the reply just made to a taken-in entry
  // was quick, and if enough were in a row, hands the entry back to its home ring.
  bool send_home(RingEntry* entry);
  void arm_wake_poll();
  void prep_command(RingEntry* entry, abi::UringCmd cmd);
  io_uring_sqe* next_sqe();
  void submit_backend_work();

  unsigned qid_;
  int cpu_;
  std::size_t depth_;
  int dev_fd_;
  RequestHandler& handler_;
  std::string via_;
  io_uring ring_{};
  bool ring_ready_ = false;
  int wake_fd_ = -1;
  int cq_event_fd_ = -1;
  std::unique_ptr<BufferProvider> buffers_;
  SlotPool::Handle slots_ = SlotPool::make();  // for the entries' request slots
  std::unique_ptr<RingEntry[]> entries_;
  ServeGroup* group_ = nullptr;
  RingQueue* home_ = nullptr;  // a ring serving another queue's entries: that queue
  // A taken-in entry goes home once its handlers stop blocking (commit_here()): when
  // the request being served began, the backend operations started by then, and how
  // many quick replies came in a row.
  std::chrono::steady_clock::time_point serving_since_{};
  std::uint64_t ops_at_start_ = 0;
  unsigned quick_in_a_row_ = 0;
  SubmitCost submit_cost_;  // the leader's, as ring_ is
  std::atomic<std::uint64_t> returned_{0};
  std::atomic<RingEntry*> foreign_{nullptr};
  std::atomic<bool> wake_pending_{false};  // one eventfd write per drain, not per reply
  std::atomic<bool> sleeping_{false};      // the leader waits in the kernel
  std::atomic<bool> dropping_{false};      // the connection is being aborted
  bool shares_thread_ = false;             // waited on in epoll with other rings
  std::atomic<std::size_t> live_entries_{0};  // written by the leader only
  std::atomic<std::uint64_t> requests_{0}, replies_{0}, in_flight_{0}, high_water_{0};
  std::atomic<std::uint64_t> submitted_at_once_{0}, left_to_batch_{0};
  IoQueue io_{*this};
};

}  // namespace uringfuse::detail
