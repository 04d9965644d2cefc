// What a filesystem's init() hook sees and may change: the kernel's protocol version,
// the capabilities it offers, the ones the session will accept, and the size limits.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <cstdint>

#include "uringfuse/capability.hpp"
#include "uringfuse/notifier.hpp"

namespace uringfuse {

class ConnectionInfo {
 public:
  ConnectionInfo(std::uint32_t major, std::uint32_t minor, std::uint64_t capable,
                 std::uint64_t supported, std::uint64_t wanted)
      : proto_major_(major), proto_minor_(minor), capable_(capable),
        supported_(supported), want_(wanted & capable & supported) {}

  // For cache invalidation, poll wake-ups and passthrough backing files; keep it.
  Notifier& notifier() const { return *notifier_; }
  void set_notifier(Notifier* n) { notifier_ = n; }

  std::uint32_t proto_major() const { return proto_major_; }
  std::uint32_t proto_minor() const { return proto_minor_; }

  // Offered by the kernel.
  bool capable(Capability c) const { return capable_ & bit(c); }
  std::uint64_t capable_mask() const { return capable_; }

  // Asks for a capability. Returns false, and changes nothing, when the kernel did not
  // offer it or uringfuse has no code behind it yet (it is never echoed blindly).
  bool want(Capability c) {
    if (!(capable_ & supported_ & bit(c))) return false;
    want_ |= bit(c);
    return true;
  }
  // Vetoes a capability, including one the session wanted by default.
  void unwant(Capability c) { want_ &= ~bit(c); }
  bool wanted(Capability c) const { return want_ & bit(c); }
  std::uint64_t want_mask() const { return want_; }

  // Limits. The session clamps them to what the kernel and its buffers allow.
  std::uint32_t max_write = 1u << 20;
  std::uint32_t max_readahead = 0;  // starts as the kernel's value; may only shrink
  std::uint32_t max_read = 0;       // from the max_read= mount option; 0 = unlimited
  std::uint16_t max_background = 0;        // 0 = kernel default
  std::uint16_t congestion_threshold = 0;  // 0 = 3/4 of max_background
  std::uint32_t time_gran = 1;             // nanoseconds; a power of 10 up to 1e9
  std::uint16_t request_timeout = 0;       // seconds; 0 = none
  // Passthrough: how many stacked filesystems may lie below a backing file.
  std::uint32_t max_backing_stack_depth = 0;
  // True: INTERRUPT is refused (ENOSYS, so the kernel stops sending it) and requests
  // are not tracked, saving a little per request. Request::interrupted() stays false.
  bool no_interrupt = false;

 private:
  std::uint32_t proto_major_, proto_minor_;
  std::uint64_t capable_, supported_, want_;
  Notifier* notifier_ = nullptr;
};

}  // namespace uringfuse
