// What ThreadSanitizer cannot see: the kernel orders the rings. A reply committed on
// one ring happens before every request the kernel delivers afterwards, on any ring,
// and those requests carry what the reply said (a new file handle, say). TSan models
// read() and write() on /dev/fuse as synchronization, but not io_uring's shared
// memory, so without this it reports the handle's use on another ring thread as a
// race. Compiled to nothing outside TSan builds.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define URINGFUSE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define URINGFUSE_TSAN 1
#endif
#endif

#ifdef URINGFUSE_TSAN
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
#else
inline void kernel_will_see() {}
inline void kernel_has_seen() {}
#endif

}  // namespace uringfuse::detail
