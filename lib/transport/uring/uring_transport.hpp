// FUSE-over-io_uring: one queue per possible CPU, served by one pinned thread per
// queue (or by fewer threads, each serving several rings), which calls in followers
// when handlers block (ServeGroup). Start-up is a small state
// machine driven by INIT: prepare() builds every ring while INIT is handled, go()
// registers the entries once the INIT reply is out; stop() wakes and joins.
#pragma once

#include <chrono>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "transport/uring/ring_queue.hpp"
#include "transport/uring/serve_group.hpp"
#include "transport/uring/solo_rings.hpp"

namespace uringfuse::detail {

struct UringTransportConfig {
  int dev_fd = -1;
  std::size_t depth = 8;     // entries per queue
  std::size_t threads = 0;   // 0: one thread per queue
  bool pin = true;           // pin each thread to its queue's CPU(s)
  std::chrono::microseconds spin{0};  // yield-spin before sleeping (one queue per thread)
  bool helpers = true;       // false: every handler on the ring's own thread (-s)
  BufferFactory make_buffers = make_numa_buffers;  // each queue's entry buffers
};

class UringTransport {
 public:
  UringTransport(UringTransportConfig config, RequestHandler& handler);
  ~UringTransport();
  UringTransport(const UringTransport&) = delete;
  UringTransport& operator=(const UringTransport&) = delete;

  // Starts the threads and builds every ring; true when all are ready. On false,
  // `why` says what failed and every thread is gone again.
  bool prepare(std::size_t payload_size, std::string& why);
  // The INIT reply is written: register the entries and start serving.
  void go();
  // Wakes every thread and joins them (the kernel ends outstanding commands).
  void stop();
  // The connection is about to be aborted: commit no more replies (a commit after
  // the abort fails in the kernel, which logs it). Any thread.
  void drop_replies();

  std::size_t queue_count() const { return queues_.size(); }
  std::size_t thread_count() const { return groups_.size(); }
  std::size_t memory_bytes() const;
  // Some queue still has entries the kernel holds: the connection is alive.
  bool entries_alive() const;
  std::vector<QueueStats> stats() const;

 private:
  enum class Phase { building, go, abort };
  void thread_main(std::size_t group);
  void pin(const std::vector<RingQueue*>& queues);

  UringTransportConfig config_;
  RequestHandler& handler_;
  std::vector<std::unique_ptr<RingQueue>> queues_;
  std::vector<std::unique_ptr<ServeGroup>> groups_;  // one per first thread
  std::vector<std::vector<RingQueue*>> group_queues_;
  std::vector<std::unique_ptr<SoloRings>> solos_;  // per queue, made by prepare()
  std::vector<std::thread> threads_;

  std::mutex mutex_;
  std::condition_variable cv_;
  Phase phase_ = Phase::building;
  std::size_t ready_ = 0, failed_ = 0;
  std::string failure_;
  std::size_t payload_size_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace uringfuse::detail
