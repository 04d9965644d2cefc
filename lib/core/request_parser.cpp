// Validation of raw request bytes against the per-opcode traits table.
#include "core/request_parser.hpp"

#include <cerrno>

namespace uringfuse::detail {
namespace {

ParseResult fail(ParseResult r, int error, const char* why) {
  r.error = error;
  r.why = why;
  return r;
}

// Takes one NUL-terminated name off the front of `rest`.
bool take_name(std::span<const std::byte>& rest, std::string_view& name) {
  const void* nul = std::memchr(rest.data(), 0, rest.size());
  if (!nul) return false;
  auto len = static_cast<std::size_t>(static_cast<const std::byte*>(nul) - rest.data());
  name = std::string_view(reinterpret_cast<const char*>(rest.data()), len);
  rest = rest.subspan(len + 1);
  return true;
}

}  // namespace

ParseResult parse_request(const RawRequest& raw, const ParseOptions& options) {
  ParseResult r;
  if (raw.header.size() < sizeof(abi::fuse_in_header))
    return fail(r, EINVAL, "request shorter than fuse_in_header");
  ParsedRequest& p = r.request;
  p.header = read_struct<abi::fuse_in_header>(raw.header);
  r.can_reply = true;

  if (!raw.split && p.header.len != raw.wire_size)
    return fail(r, EINVAL, "header length does not match the bytes received");

  const OpTraits& traits = op_traits(p.header.opcode);
  p.traits = &traits;
  if (!traits.known) {
    r.can_reply = true;
    return fail(r, ENOSYS, "unknown opcode");
  }
  r.can_reply = traits.replies;

  std::size_t in_size = traits.in_size;
  if (p.header.opcode == static_cast<std::uint32_t>(abi::Opcode::SETXATTR) && options.setxattr_ext)
    in_size = sizeof(abi::fuse_setxattr_in);

  std::span<const std::byte> rest;
  const std::size_t header_size = sizeof(abi::fuse_in_header);
  if (raw.split && in_size > 0 && in_size <= raw.args.size() &&
      p.header.len == header_size + raw.args.size()) {
    // The ring sometimes carries the fixed struct in the payload instead of op_in
    // (seen for NOTIFY_REPLY, whose data is page-backed); the header's len tells.
    p.op_in = raw.args.first(in_size);
    rest = raw.args.subspan(in_size);
  } else if (raw.split) {
    if (raw.op_in.size() < in_size) return fail(r, EINVAL, "op_in shorter than its struct");
    p.op_in = raw.op_in.first(in_size);
    rest = raw.args;
  } else {
    if (raw.args.size() < in_size) return fail(r, EINVAL, "arguments shorter than their struct");
    p.op_in = raw.args.first(in_size);
    rest = raw.args.subspan(in_size);
  }
  if (p.header.opcode == static_cast<std::uint32_t>(abi::Opcode::INIT)) {
    p.op_in = raw.split ? raw.op_in : raw.args;  // negotiation reads what the kernel sent
    return r;
  }

  std::size_t ext_bytes = std::size_t{p.header.total_extlen} * 8;
  if (ext_bytes > rest.size()) return fail(r, EINVAL, "extensions longer than the request");
  p.ext = rest.last(ext_bytes);
  rest = rest.first(rest.size() - ext_bytes);

  for (std::uint8_t i = 0; i < traits.names; ++i)
    if (!take_name(rest, p.names[i])) return fail(r, EINVAL, "name not NUL-terminated");
  if (!traits.data_tail && !rest.empty()) return fail(r, EINVAL, "unexpected bytes after the arguments");
  p.data = rest;
  return r;
}

}  // namespace uringfuse::detail
