#include "transport/uring/entry_state.hpp"

namespace uringfuse::detail {

const char* phase_name(EntryPhase phase) noexcept {
  switch (phase) {
    case EntryPhase::idle: return "idle";
    case EntryPhase::registering: return "registering";
    case EntryPhase::serving: return "serving";
    case EntryPhase::answered: return "answered";
    case EntryPhase::committing: return "committing";
    case EntryPhase::ended: return "ended";
  }
  return "?";
}

EntryPhase EntryState::phase() const noexcept {
  EntryPhase p = phase_.load(std::memory_order_acquire);
  if (p == EntryPhase::serving && claimable_.load(std::memory_order_acquire) == 0) return EntryPhase::answered;
  return p;
}

bool EntryState::start_register() noexcept {
  if (phase_.load(std::memory_order_relaxed) != EntryPhase::idle) return false;
  phase_.store(EntryPhase::registering, std::memory_order_relaxed);
  return true;
}

bool EntryState::start_serving(std::uint64_t unique) noexcept {
  EntryPhase p = phase_.load(std::memory_order_relaxed);
  if (unique == 0 || (p != EntryPhase::registering && p != EntryPhase::committing)) return false;
  phase_.store(EntryPhase::serving, std::memory_order_relaxed);
  claimable_.store(unique, std::memory_order_release);  // from here a reply may claim it
  return true;
}

bool EntryState::claim(std::uint64_t unique) noexcept {
  std::uint64_t expected = unique;
  // acq_rel: the winner sees the request's buffers as the ring thread left them.
  return unique != 0 && claimable_.compare_exchange_strong(expected, 0, std::memory_order_acq_rel,
                                                           std::memory_order_relaxed);
}

bool EntryState::start_commit() noexcept {
  if (phase_.load(std::memory_order_relaxed) != EntryPhase::serving ||
      claimable_.load(std::memory_order_acquire) != 0)
    return false;
  phase_.store(EntryPhase::committing, std::memory_order_relaxed);
  return true;
}

void EntryState::end() noexcept {
  claimable_.store(0, std::memory_order_release);
  phase_.store(EntryPhase::ended, std::memory_order_release);
}

}  // namespace uringfuse::detail
