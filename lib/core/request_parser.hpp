// Checks one raw request against its opcode's traits and splits it into typed parts:
// the header, the fixed argument struct, names, trailing data and extensions. Nothing
// the kernel wrote is trusted before this says it adds up.
#pragma once

#include <array>
#include <cstring>
#include <span>
#include <string_view>

#include "abi/fuse_abi.hpp"
#include "core/op_traits.hpp"
#include "core/raw_request.hpp"

namespace uringfuse::detail {

struct ParsedRequest {
  abi::fuse_in_header header{};
  const OpTraits* traits = nullptr;
  std::span<const std::byte> op_in;   // exactly the fixed struct's bytes
  std::array<std::string_view, 2> names{};
  std::span<const std::byte> data;    // what follows the names (write data, ...)
  std::span<const std::byte> ext;     // request extensions (total_extlen * 8 bytes)
};

struct ParseResult {
  int error = 0;            // 0, or the positive errno to answer (EINVAL, ENOSYS)
  bool can_reply = false;   // false when not even a header could be read
  const char* why = "";     // for the log line
  ParsedRequest request;
};

struct ParseOptions {
  bool setxattr_ext = false;  // SETXATTR carries the long fuse_setxattr_in
};

ParseResult parse_request(const RawRequest& raw, const ParseOptions& options);

// Copies a wire struct out of possibly unaligned bytes; the caller checked the size.
template <class T>
T read_struct(std::span<const std::byte> bytes) {
  T value{};
  std::memcpy(&value, bytes.data(), std::min(sizeof(T), bytes.size()));
  return value;
}

}  // namespace uringfuse::detail
