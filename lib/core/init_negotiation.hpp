// INIT negotiation by allow-list: from the kernel's fuse_init_in, the filesystem's
// init() hook and what the library implements, compute the fuse_init_out to send.
// Pure: no I/O, so the unit tests can drive every branch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "abi/fuse_abi.hpp"
#include "uringfuse/filesystem.hpp"
#include "uringfuse/operations.hpp"

namespace uringfuse::detail {

// Oldest kernel protocol we serve: every request struct has had its current size since.
inline constexpr std::uint32_t kMinKernelMinor = 12;

struct InitLimits {
  std::uint32_t max_read = 0;  // the max_read= mount option, 0 if unset
  std::size_t page_size = 4096;
  bool io_uring = false;       // the session was asked to serve over io_uring
};

// Capabilities with code behind them; nothing else is ever echoed to the kernel.
std::uint64_t supported_capabilities(const InitLimits& limits = {});
// What a filesystem gets without asking, given the operations it implements.
std::uint64_t default_capabilities(const OperationSet& implemented, const InitLimits& limits = {});

struct InitOutcome {
  int error = 0;               // positive errno: answer INIT with it and end the session
  bool expect_reinit = false;  // kernel major > 7: we sent our version, it will retry
  abi::fuse_init_out reply{};
  std::size_t reply_size = 0;  // the kernel wants a shorter struct for old minors
  std::uint32_t minor = 0;     // negotiated minor
  std::uint64_t negotiated = 0;  // Capability bits agreed
  std::uint32_t max_write = 0;
  std::uint32_t max_pages = 0;
  std::uint64_t capable = 0;   // what the kernel offered
  bool no_interrupt = false;
};

InitOutcome negotiate_init(std::span<const std::byte> init_in, Filesystem& fs,
                           const OperationSet& implemented, const InitLimits& limits,
                           Notifier* notifier = nullptr);

}  // namespace uringfuse::detail
