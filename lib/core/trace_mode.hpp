// Whether, and in whose shape, the -d trace prints (debug_trace.hpp); small, since
// every request slot carries one.
#pragma once

#include <cstdint>

#include "uringfuse/session_options.hpp"

namespace uringfuse::detail {

enum class Trace : std::uint8_t { off, uringfuse, libfuse };

inline Trace trace_of(bool debug, SessionOptions::DebugFormat format) {
  if (!debug) return Trace::off;
  return format == SessionOptions::DebugFormat::libfuse ? Trace::libfuse : Trace::uringfuse;
}

}  // namespace uringfuse::detail
