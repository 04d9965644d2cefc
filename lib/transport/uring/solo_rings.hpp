// One-entry rings, each with a thread of its own, added to a queue whose handlers
// block. The kernel hands a queue's requests to whichever of its entries is free,
// whichever ring registered it, so an entry that its own thread commits and waits
// on in one io_uring_enter serves a blocking handler the way a /dev/fuse pool thread
// does: the request's task work wakes exactly the thread that will handle it, and
// its reply needs no hand-over. The queue's own ring keeps its fast path.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/raw_request.hpp"
#include "transport/uring/buffer_provider.hpp"
#include "uringfuse/queue_stats.hpp"

namespace uringfuse::detail {

class RingQueue;
class ServeGroup;

struct SoloRingsConfig {
  unsigned qid = 0;
  int cpu = -1;
  int dev_fd = -1;
  std::size_t payload_size = 0;
  std::size_t max_rings = 0;  // at most this many, ever
  BufferFactory make_buffers = make_numa_buffers;
};

class SoloRings {
 public:
  SoloRings(SoloRingsConfig config, RequestHandler& handler, const std::atomic<bool>& stopping);
  ~SoloRings();  // stops and joins
  SoloRings(const SoloRings&) = delete;
  SoloRings& operator=(const SoloRings&) = delete;

  // From the queue's leading thread: adds one ring unless at the limit or stopping.
  void grow();
  void stop();  // wakes every ring's thread and joins it
  void drop_replies();  // see UringTransport::drop_replies()
  std::size_t count() const;
  // The queue's counters, summed over the solo rings.
  void add_stats(QueueStats& into) const;

 private:
  struct Solo;
  void run(Solo& solo);

  SoloRingsConfig config_;
  RequestHandler& handler_;
  const std::atomic<bool>& stopping_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Solo>> rings_;
  std::atomic<bool> full_{false};  // at the limit or stopped: grow() returns at once
  bool stopped_ = false;
  bool failed_ = false;  // logged once
};

}  // namespace uringfuse::detail
