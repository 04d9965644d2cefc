// Counters of one FUSE-over-io_uring queue, for observing where requests went.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <cstddef>
#include <cstdint>

namespace uringfuse {

struct QueueStats {
  unsigned qid = 0;
  int cpu = -1;
  std::uint64_t requests = 0;    // requests the ring delivered
  std::uint64_t replies = 0;     // replies committed back
  std::uint64_t high_water = 0;  // most requests in flight at once
  // Handlers run after handing the ring to another thread (handlers were blocking),
  // and ring leads a standby took from a handler that held the ring too long.
  std::uint64_t handed_on = 0;
  std::uint64_t leads_stolen = 0;
  std::size_t threads = 0;  // threads serving the queue's ring (its group's)
  std::size_t solo_rings = 0;  // one-entry rings added for handlers that block
  // Entries that moved, with the thread whose handler blocked on them, to a ring that
  // thread serves alone (doc/io_uring.md).
  std::size_t moved_entries = 0;
  // Of those moves, the ones undone: the entry's handlers stopped blocking, so it went
  // back to the queue's own ring and its fast path.
  std::size_t returned_entries = 0;
  std::uint64_t backend_ops = 0;  // asynchronous handlers' I/O completed on the ring(s)
  // Backend I/O (and the replies after it) submitted at once, and submissions left to
  // the round's batch because a syscall was measured dear on this machine.
  std::uint64_t submitted_at_once = 0;
  std::uint64_t left_to_batch = 0;
};

}  // namespace uringfuse
