// -o handling shared by the C++ command line and the C API's fuse_session_new, so
// both split lists and read the io_uring options the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "uringfuse/session_options.hpp"

namespace uringfuse::detail {

// Splits "a,b\,c" into items; a backslash escapes the next character.
std::vector<std::string> split_option_list(std::string_view list);

// A whole number of at least `least` in `value`; throws CommandLineError naming
// `option` otherwise.
unsigned parse_count(std::string_view option, std::string_view value, unsigned least = 1);

// io_uring, io_uring_q_depth=N, io_uring_threads=N, io_uring_nopin. False when `opt`
// is none of them; throws CommandLineError naming it for a bad number.
bool apply_io_uring_option(SessionOptions& s, std::string_view opt);

}  // namespace uringfuse::detail
