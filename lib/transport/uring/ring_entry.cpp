#include "transport/uring/ring_entry.hpp"

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "uringfuse/log.hpp"

namespace uringfuse::detail {

int RingEntry::send(std::uint64_t unique, int error, std::span<const iovec> body) noexcept {
  if (!state.claim(unique)) {
    log(LogLevel::err,
        "uringfuse: %s: reply #%llu refused: the entry holds %s (answered already, late, or "
        "meant for another request); nothing sent",
        owner ? owner->name() : "uring", static_cast<unsigned long long>(unique),
        state.claimable() ? "another request" : "no unanswered request");
    return -ENOENT;
  }
  fill(unique, error, body);
  hand_over();
  return 0;  // the commit goes out later, with the next fetch
}

void RingEntry::finish_without_reply(std::uint64_t unique) noexcept {
  if (!state.claim(unique)) return;  // the handler answered after all (a bug, but one answer)
  fill(unique, 0, {});
  hand_over();
}

bool RingEntry::begin_request() {
  commit_id = buffers.header->ring_ent_in_out.commit_id;
  return state.start_serving(request_unique());
}

RawRequest RingEntry::raw_request(std::string_view via, std::size_t queue) const {
  const auto* h = buffers.header;
  std::size_t payload = std::min<std::size_t>(h->ring_ent_in_out.payload_sz, buffers.payload.size());
  auto as_bytes = [](const char* p, std::size_t n) {
    return std::span<const std::byte>(reinterpret_cast<const std::byte*>(p), n);
  };
  RawRequest raw;
  raw.header = as_bytes(h->in_out, sizeof(abi::fuse_in_header));
  raw.op_in = as_bytes(h->op_in, sizeof h->op_in);
  raw.args = std::span<const std::byte>(buffers.payload.data(), payload);
  raw.split = true;
  raw.wire_size = sizeof(abi::fuse_in_header) + payload;
  raw.via = via;
  raw.queue = queue;
  return raw;
}

std::uint64_t RingEntry::request_unique() const {
  abi::fuse_in_header in;
  std::memcpy(&in, buffers.header->in_out, sizeof in);
  return in.unique;
}

void RingEntry::fill(std::uint64_t unique, int error, std::span<const iovec> body) noexcept {
  auto payload = buffers.payload;
  std::size_t size = 0;
  bool in_place = body.size() == 1 && body[0].iov_base == payload.data();
  for (const auto& part : body) size += part.iov_len;
  if (size > payload.size()) {
    log(LogLevel::err, "uringfuse: reply #%llu is %zu bytes, the ring payload holds %zu; answering EIO",
        static_cast<unsigned long long>(unique), size, payload.size());
    error = -EIO;
    size = 0;
  } else if (!in_place) {
    std::size_t at = 0;
    for (const auto& part : body) {
      std::memcpy(payload.data() + at, part.iov_base, part.iov_len);
      at += part.iov_len;
    }
  }
  abi::fuse_out_header out{};
  out.len = static_cast<std::uint32_t>(sizeof out + size);
  out.error = error;
  out.unique = unique;
  std::memcpy(buffers.header->in_out, &out, sizeof out);
  buffers.header->ring_ent_in_out.payload_sz = static_cast<std::uint32_t>(size);
}

void RingEntry::hand_over() noexcept {
  if (owner->commit_here(this) || owner->keep_for_move(this)) return;
  owner->push_foreign(this);
}

}  // namespace uringfuse::detail
