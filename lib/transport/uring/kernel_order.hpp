// What ThreadSanitizer cannot see: the kernel orders the rings. A reply committed on
// one ring happens before every request the kernel delivers afterwards, on any ring,
// and those requests carry what the reply said (a new file handle, say). TSan models
// read() and write() on /dev/fuse as synchronization, but not io_uring's shared
// memory, so without this it reports the handle's use on another ring thread as a
// race.
//
// Nor does it see a ring's memory come and go: liburing maps and unmaps it with raw
// system calls. When a ring is closed mid-session (a one-entry ring whose entry went
// home) and another queue's ring is later mapped at the same address, the new ring's
// accesses meet the old ring's history in the shadow memory and are reported as
// races between threads that never shared a ring (nothing orders them: each queue's
// one-entry rings have a lock of their own). So, before a ring is unmapped, its
// ranges are replaced with inaccessible anonymous memory through libc's mmap, which
// TSan intercepts and records as a write by this thread; io_uring_queue_exit() then
// unmaps that placeholder (the range is never free in between, so nothing else can be
// mapped there and unmapped with it). And every ring set up afterwards is ordered
// after every ring closed before, as the kernel orders them. (The kernel refuses
// io_uring's own mappings at a given address: a ring cannot be mapped afresh in place.)
//
// Compiled to nothing outside TSan builds.
#pragma once

#include <liburing.h>

#include <cstddef>

#if defined(__SANITIZE_THREAD__)
#define URINGFUSE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define URINGFUSE_TSAN 1
#endif
#endif

#ifdef URINGFUSE_TSAN
#include <sys/mman.h>

extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace uringfuse::detail {

#ifdef URINGFUSE_TSAN
inline char tsan_kernel_order;
// Before a reply goes to the kernel.
inline void kernel_will_see() { __tsan_release(&tsan_kernel_order); }
// After completions (new requests) come from the kernel.
inline void kernel_has_seen() { __tsan_acquire(&tsan_kernel_order); }

inline char tsan_ring_memory;  // one for the process: rings of every queue
// Just before io_uring_queue_exit(ring).
inline void forget_ring_memory(io_uring& ring) {
  auto replace = [](void* at, std::size_t bytes) {
    // On failure the old history stays: at worst a false report, never a lost range.
    ::mmap(at, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  };
  // Sized as io_uring_queue_exit() sizes what it unmaps.
  const std::size_t sqe_bytes =
      (ring.flags & IORING_SETUP_SQE128) ? 2 * sizeof(io_uring_sqe) : sizeof(io_uring_sqe);
  replace(ring.sq.sqes, sqe_bytes * ring.sq.ring_entries);
  replace(ring.sq.ring_ptr, ring.sq.ring_sz);
  if (ring.cq.ring_ptr != ring.sq.ring_ptr) replace(ring.cq.ring_ptr, ring.cq.ring_sz);
  __tsan_release(&tsan_ring_memory);
}
// Just after io_uring_queue_init*(): the ring's memory may be where a closed one was.
inline void fresh_ring_memory() { __tsan_acquire(&tsan_ring_memory); }
#else
inline void kernel_will_see() {}
inline void kernel_has_seen() {}
inline void forget_ring_memory(io_uring&) {}
inline void fresh_ring_memory() {}
#endif

}  // namespace uringfuse::detail
