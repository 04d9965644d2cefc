// One FUSE-over-io_uring queue: its ring (SQE128, /dev/fuse as fixed file 0), its
// entries with their buffers, and the loop that turns completions into requests and
// replies into COMMIT_AND_FETCH commands, submitted once per batch. A ring has a
// single issuer: replies made on other threads are handed over through a lock-free
// stack and an eventfd the ring polls.
#pragma once

#include <liburing.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "transport/raw_request.hpp"
#include "transport/uring/buffer_provider.hpp"
#include "transport/uring/ring_entry.hpp"
#include "uringfuse/queue_stats.hpp"

namespace uringfuse::detail {

class RingQueue final : public EntryOwner {
 public:
  RingQueue(unsigned qid, int cpu, std::size_t depth, int dev_fd, RequestHandler& handler);
  ~RingQueue() override;
  RingQueue(const RingQueue&) = delete;
  RingQueue& operator=(const RingQueue&) = delete;

  // On the serving thread: ring, fixed file, buffers (from `make_buffers`), wake-up
  // poll. Throws std::system_error naming what failed (or what the factory throws);
  // the destructor frees whatever was set up before.
  void setup(std::size_t payload_size, bool want_event_fd,
             BufferFactory make_buffers = make_numa_buffers);
  // After the INIT reply is out: hand every entry to the kernel.
  void submit_registers();
  // Submits what is queued and blocks for at least one completion; first, for up to
  // `spin`, yields the CPU while none is there yet.
  void submit_and_wait(std::chrono::microseconds spin);
  void submit();
  // Handles every available completion; false once no entry is alive any more.
  bool process_completions();

  void wake();  // from any thread
  void push_foreign(RingEntry* entry) override;
  int completion_event_fd() const { return cq_event_fd_; }
  bool alive() const { return live_entries_ > 0; }

  unsigned qid() const { return qid_; }
  int cpu() const { return cpu_; }
  std::size_t memory_bytes() const { return buffers_ ? buffers_->bytes() : 0; }
  QueueStats stats() const;

  // Called by RingEntry::send on the owning thread.
  void queue_commit(RingEntry* entry) override;
  bool on_owner_thread() const override;
  const char* name() const override { return via_.c_str(); }

 private:
  void handle_completion(const io_uring_cqe* cqe);
  void handle_request(RingEntry* entry);
  void drain_foreign();
  void arm_wake_poll();
  void prep_command(RingEntry* entry, abi::UringCmd cmd);
  io_uring_sqe* next_sqe();

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
  std::unique_ptr<RingEntry[]> entries_;
  std::atomic<RingEntry*> foreign_{nullptr};
  std::size_t live_entries_ = 0;
  std::atomic<std::uint64_t> requests_{0}, replies_{0}, in_flight_{0}, high_water_{0};
};

}  // namespace uringfuse::detail
