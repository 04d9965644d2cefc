// One-entry rings, each with a thread of its own, added to a queue whose handlers
// block. The kernel hands a queue's requests to whichever of its entries is free,
// whichever ring registered it, so an entry that its own thread commits and waits
// on in one io_uring_enter serves a blocking handler the way a /dev/fuse pool thread
// does: the request's task work wakes exactly the thread that will handle it, and
// its reply needs no hand-over. The queue's own ring keeps its fast path.
//
// Rings come two ways. grow() adds a ring with an entry of its own and a thread to
// serve it. move_in() adds a ring without entries, on the calling thread: a follower
// whose handler blocked brings the entry it just answered (COMMIT_AND_FETCH may go
// out on any ring of the connection, and the entry then waits for its next request
// there) and serves that ring itself from then on. A moved entry costs no pinned
// memory and no REGISTER, so requests already waiting for an entry keep being served
// (a REGISTER never hands those out; doc/performance.md, "Tried again").
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

class RingEntry;
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
  // On a follower of the queue's ring that answered `entry` after blocking: serves
  // the entry on a new ring on this thread until the ring ends (the entry ended, or
  // stop()). False, with nothing changed, when no ring can be added.
  bool move_in(RingQueue& home, RingEntry& entry);
  void stop();  // wakes every ring's thread and joins it
  void drop_replies();  // see UringTransport::drop_replies()
  std::size_t count() const;
  // The queue's counters, summed over the solo rings.
  void add_stats(QueueStats& into) const;

 private:
  struct Solo;
  // A ring of one entry's room and the group its one thread serves it with; not set
  // up yet (grow() gives it an entry, move_in() takes one in).
  std::unique_ptr<Solo> make_solo() const;
  void run(Solo& solo);
  void retire(const Solo& solo);  // a moved-in ring whose serve() returned
  static void add_queue_stats(QueueStats& into, const QueueStats& ring);

  SoloRingsConfig config_;
  RequestHandler& handler_;
  const std::atomic<bool>& stopping_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Solo>> rings_;
  std::size_t grown_ = 0;  // rings with an entry of their own (the rest serve moved ones)
  std::size_t moved_ = 0;
  QueueStats retired_{};  // the counters of moved-in rings that are gone
  std::atomic<bool> full_{false};  // at the limit or stopped: grow() returns at once
  bool stopped_ = false;
  bool failed_ = false;  // logged once
};

}  // namespace uringfuse::detail
