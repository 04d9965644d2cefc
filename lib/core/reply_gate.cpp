#include "core/reply_gate.hpp"

#include <sched.h>

#include <atomic>

#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

// Trivially destructible, so still usable by replies destroyed during static
// destruction at exit.
struct Slot {
  std::atomic<bool> taken{false};
  std::atomic<std::uint32_t> generation{0};  // the open ticket's; bumped on close
  std::atomic<std::uint32_t> users{0};       // replies inside right now
};

Slot g_slots[ReplyGate::kSlots];  // slot 0 stays unused: ticket slot 0 means "ungated"

}  // namespace

ReplyGate::ReplyGate() {
  for (std::uint32_t i = 1; i < kSlots; ++i) {
    bool expected = false;
    if (g_slots[i].taken.compare_exchange_strong(expected, true)) {
      std::uint32_t gen = g_slots[i].generation.fetch_add(1) + 1;
      ticket_ = GateTicket{i, gen};
      return;
    }
  }
  log(LogLevel::warning, "uringfuse: more than %u live sessions; replies of this one are not guarded "
      "against outliving it", kSlots - 1);
}

ReplyGate::~ReplyGate() { close(); }

void ReplyGate::close() noexcept {
  if (closed_ || ticket_.slot == 0) return;
  closed_ = true;
  Slot& s = g_slots[ticket_.slot];
  // seq_cst on both sides (here and in enter): either the reply sees the new
  // generation, or this sees its users count and waits for it.
  s.generation.fetch_add(1);
  while (s.users.load() != 0) sched_yield();
  s.taken.store(false);
}

bool ReplyGate::enter(GateTicket t) noexcept {
  if (t.slot == 0 || t.slot >= kSlots) return t.slot == 0;
  Slot& s = g_slots[t.slot];
  s.users.fetch_add(1);
  if (s.generation.load() == t.generation) return true;
  s.users.fetch_sub(1);
  return false;
}

void ReplyGate::leave(GateTicket t) noexcept {
  if (t.slot != 0 && t.slot < kSlots) g_slots[t.slot].users.fetch_sub(1);
}

}  // namespace uringfuse::detail
