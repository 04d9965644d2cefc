// Counters of one FUSE-over-io_uring queue, for observing where requests went.
#pragma once

#include <cstdint>

namespace uringfuse {

struct QueueStats {
  unsigned qid = 0;
  int cpu = -1;
  std::uint64_t requests = 0;    // requests the ring delivered
  std::uint64_t replies = 0;     // replies committed back
  std::uint64_t high_water = 0;  // most requests in flight at once
};

}  // namespace uringfuse
