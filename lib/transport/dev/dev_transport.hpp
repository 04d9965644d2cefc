// The classic transport: threads reading requests from /dev/fuse and replying with
// writev. One thread, or a pool that grows while every worker is busy (up to
// max_threads) and shrinks when too many sit idle; optionally one cloned fd per worker.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

#include "transport/dev/dev_reply_target.hpp"
#include "transport/dev/device_io.hpp"
#include "core/raw_request.hpp"
#include "core/request_slot.hpp"

namespace uringfuse::detail {

struct DevTransportConfig {
  int fd = -1;
  bool single_thread = false;
  unsigned max_threads = 10;
  unsigned max_idle_threads = 10;
  bool clone_fd = false;
  // While the rings serve every other request, /dev/fuse carries mostly FORGETs. A
  // reader blocked in read() is woken (often on another CPU, by an IPI the caller of
  // unlink or close pays for) once per FORGET; pausing after each lets them pile up
  // into one BATCH_FORGET instead, and the pool keeps a single reader. Null or
  // false: no pause, the pool as configured.
  const std::atomic<bool>* rings_active = nullptr;
  std::chrono::microseconds forget_pause{1000};
  // Tests inject device faults through this; null: read(2) and writev(2).
  DeviceIo* io = nullptr;
};

class DevTransport {
 public:
  // `on_end` runs once (on a worker thread) when the kernel ends the connection (ENODEV)
  // or reading fails for good (any error but EINTR, EAGAIN and ENOENT, which retry).
  DevTransport(DevTransportConfig config, RequestHandler& handler, std::function<void()> on_end);
  ~DevTransport();  // joins, then closes cloned fds
  DevTransport(const DevTransport&) = delete;
  DevTransport& operator=(const DevTransport&) = delete;

  void start();
  // Makes workers leave after their current request; they still need the connection
  // to end (or a request) to return from a blocking read.
  void request_stop() { stopping_.store(true); }
  // True once no worker is blocked or working any more.
  bool all_stopped() const;
  void join();

  unsigned thread_count() const;

  // What it carried, for the line the session logs at exit.
  struct Stats {
    std::uint64_t requests = 0, replies = 0;
    unsigned peak_threads = 0;
  };
  Stats stats() const;

 private:
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void spawn_locked();
  void reap_locked();
  void worker_main(Worker& self);
  DevReplyTarget make_target(int fd);
  DevReplyTarget& acquire_target();
  void release_target(DevReplyTarget& target);
  int clone_device_fd();
  bool should_retire_locked() const;
  bool rings_serve() const;

  DevTransportConfig config_;
  RequestHandler& handler_;
  std::function<void()> on_end_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ended_{false};

  mutable std::mutex mutex_;
  SlotPool::Handle slots_ = SlotPool::make();  // the readers' request slots
  std::list<Worker> workers_;
  // Reply targets outlive the workers that made them: a deferred reply may be sent
  // after its worker retired. Cloned fds are reused by later workers, so their number
  // stays bounded by max_threads, and are closed only when the transport ends.
  std::deque<DevReplyTarget> targets_;
  std::vector<DevReplyTarget*> free_clones_;
  unsigned running_ = 0;  // workers not yet finished
  unsigned peak_running_ = 0;
  std::atomic<std::uint64_t> requests_{0}, replies_{0};
  unsigned idle_ = 0;     // workers waiting in read()
};

}  // namespace uringfuse::detail
