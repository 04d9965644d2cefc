// The -d trace: one line per request and per reply, in uringfuse's shape or in
// libfuse's (SessionOptions::DebugFormat). libfuse's is what its users' scripts
// and test runners parse (libfuse's run-tests.py filters "unique: N, error: -E
// (...), outsize: M" lines when it scans a log for errors), so the C API prints it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/init_negotiation.hpp"
#include "core/request_parser.hpp"
#include "core/trace_mode.hpp"

namespace uringfuse::detail {

// The printing halves, out of line; the inline wrappers below keep the fast path
// (no -d) to one compare.
void print_request(Trace trace, const ParsedRequest& p, std::string_view via, std::size_t wire_size);
void print_reply(Trace trace, std::uint64_t unique, int error, std::size_t body_size);
void print_reply_from_file(Trace trace, std::uint64_t unique, int fd, std::size_t size, long long offset);
void print_init(Trace trace, std::span<const std::byte> init_in, const InitOutcome& o);

// `via`: the transport's name for where the request came from ("dev", "uring:q0").
inline void trace_request(Trace trace, const ParsedRequest& p, std::string_view via, std::size_t wire_size) {
  if (trace != Trace::off) print_request(trace, p, via, wire_size);
}
// `error` is 0 or a negative errno, as on the wire; `body_size` excludes the header.
inline void trace_reply(Trace trace, std::uint64_t unique, int error, std::size_t body_size) {
  if (trace != Trace::off) print_reply(trace, unique, error, body_size);
}
inline void trace_reply_from_file(Trace trace, std::uint64_t unique, int fd, std::size_t size, long long offset) {
  if (trace != Trace::off) print_reply_from_file(trace, unique, fd, size, offset);
}
// INIT as agreed, just before its reply goes out (traced as a reply as well).
inline void trace_init(Trace trace, std::span<const std::byte> init_in, const InitOutcome& o) {
  if (trace != Trace::off) print_init(trace, init_in, o);
}

}  // namespace uringfuse::detail
