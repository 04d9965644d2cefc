// One registered ring entry: its buffers, its state, and the ReplyTarget of the
// request it carries, so a reply writes straight into the entry's buffers. A reply
// first claims the entry (EntryState), so an entry is committed once per request by
// construction; then the ring's current issuer submits the commit.
#pragma once

#include <sys/uio.h>

#include <cstdint>

#include "abi/fuse_abi.hpp"
#include "core/raw_request.hpp"
#include "transport/uring/buffer_provider.hpp"
#include "transport/uring/entry_state.hpp"

namespace uringfuse::detail {

class RingEntry;

// What an entry needs from its ring: RingQueue in the daemon, a fake in unit tests.
class EntryOwner {
 public:
  virtual ~EntryOwner() = default;
  // Submits the entry's COMMIT_AND_FETCH when this thread may touch the ring (it
  // leads it); false otherwise.
  virtual bool commit_here(RingEntry* entry) = 0;
  // From any other thread: the ring has a single issuer, so hand the entry over.
  virtual void push_foreign(RingEntry* entry) = 0;
  // Before push_foreign(): true when this thread keeps the answered entry to commit
  // it on a ring of its own once its handler returns (RingQueue: a handler that
  // blocked off the lead takes its entry along, see solo_rings.hpp).
  virtual bool keep_for_move(RingEntry*) { return false; }
  virtual const char* name() const = 0;  // for log lines: "uring:q1"
};

class RingEntry final : public ReplyTarget {
 public:
  // Refuses (and logs) a reply that cannot claim the entry: a second one, a late
  // one, or one for another request.
  int send(std::uint64_t unique, int error, std::span<const iovec> body) noexcept override;
  std::span<std::byte> reply_buffer() noexcept override { return buffers.payload; }

  // The request the kernel just completed into the buffers: serving from now on.
  // False when the entry was not waiting for one (logged by the caller).
  bool begin_request();
  // The request in the buffers, as the protocol core reads it; `queue` names the
  // interrupt table (ring queue + 1).
  RawRequest raw_request(std::string_view via, std::size_t queue) const;
  // The unique of the request being served (from the header the kernel wrote).
  std::uint64_t request_unique() const;
  // For requests the kernel expects no answer to: commits the entry empty, unless a
  // reply already claimed it.
  void finish_without_reply(std::uint64_t unique) noexcept;

  EntryOwner* owner = nullptr;
  EntryBuffers buffers;
  iovec registration[2]{};
  std::uint64_t commit_id = 0;
  abi::UringCmd pending = abi::UringCmd::INVALID;  // the command the kernel holds
  EntryState state;
  RingEntry* next_foreign = nullptr;
  OwnedSlot slot;  // the record of the request it carries (core/request_slot.hpp)

 private:
  void fill(std::uint64_t unique, int error, std::span<const iovec> body) noexcept;
  void hand_over() noexcept;
};

}  // namespace uringfuse::detail
