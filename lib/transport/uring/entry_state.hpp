// The life of one ring entry, as its ring thread and the threads that reply see it:
//
//   idle --register--> registering --request--> serving --claim--> answered
//                           ^                                          |
//                           +------- request <-- committing <--commit--+
//   (any) --end--> ended
//
// Exactly one reply may claim a served request, and only with that request's unique:
// a second reply, a late one for a request the entry no longer holds, or an answer
// meant for another request (a stale interrupt's) is refused instead of committing
// the entry twice. The kernel hands out each unique once per connection, so a claim
// can never match a request it was not made for. A pure class: the fake kernel
// drives it in unit tests (test/unit/ring_entry_test.cpp).
#pragma once

#include <atomic>
#include <cstdint>

namespace uringfuse::detail {

enum class EntryPhase : std::uint8_t {
  idle,         // not handed to the kernel yet
  registering,  // REGISTER submitted; the kernel holds the entry
  serving,      // holds a request; its reply has not been claimed
  answered,     // the reply claimed the entry; the commit is not submitted yet
  committing,   // COMMIT_AND_FETCH submitted; the kernel holds the entry
  ended,        // the kernel will not give it a request again
};

const char* phase_name(EntryPhase phase) noexcept;

class EntryState {
 public:
  // The ring thread's transitions; false (and nothing changes) when the entry is not
  // in a phase that allows it, which is a bug the caller logs.
  bool start_register() noexcept;                  // idle -> registering
  bool start_serving(std::uint64_t unique) noexcept;  // registering|committing -> serving
  bool start_commit() noexcept;                    // answered -> committing
  void end() noexcept;                             // anything -> ended

  // From any thread: the one reply of request `unique`. True: the caller owns the
  // entry's buffers until it hands the entry to start_commit().
  bool claim(std::uint64_t unique) noexcept;

  EntryPhase phase() const noexcept;
  // The request being served (0 when none is claimable).
  std::uint64_t claimable() const noexcept { return claimable_.load(std::memory_order_acquire); }

 private:
  // The unique a reply may claim; 0 when none. Swapped to 0 by the one claim that wins.
  std::atomic<std::uint64_t> claimable_{0};
  // The ring thread's view (claim() never writes it: serving vs answered is told by
  // claimable_).
  std::atomic<EntryPhase> phase_{EntryPhase::idle};
};

}  // namespace uringfuse::detail
