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

// `via`: the transport's name for where the request came from ("dev", "uring:q0").
void trace_request(Trace trace, const ParsedRequest& p, std::string_view via, std::size_t wire_size);
// `error` is 0 or a negative errno, as on the wire; `body_size` excludes the header.
void trace_reply(Trace trace, std::uint64_t unique, int error, std::size_t body_size);
void trace_reply_from_file(Trace trace, std::uint64_t unique, int fd, std::size_t size, long long offset);
// INIT as agreed, just before its reply goes out (traced as a reply as well).
void trace_init(Trace trace, std::span<const std::byte> init_in, const InitOutcome& o);

}  // namespace uringfuse::detail
