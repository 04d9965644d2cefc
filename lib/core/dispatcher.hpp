// Turns a parsed request into a call of the matching Filesystem method with typed
// arguments and a typed reply object. Transport-blind: it sees only ParsedRequest and
// the ReplyTarget the transport supplied. Opcodes without a typed handler yet answer
// ENOSYS. INIT, DESTROY and INTERRUPT belong to the session, not here.
#pragma once

#include <cstdint>

#include "core/inflight.hpp"
#include "core/request_slot.hpp"
#include "core/request_parser.hpp"
#include "uringfuse/filesystem.hpp"
#include "uringfuse/operations.hpp"

namespace uringfuse::detail {

class Dispatcher {
 public:
  Dispatcher(Filesystem& fs, OperationSet implemented) : fs_(fs), implemented_(implemented) {}

  // The capabilities agreed in INIT (a mask of Capability bits).
  void set_negotiated(std::uint64_t want_mask) { negotiated_ = want_mask; }
  void set_trace(Trace trace) { trace_ = trace; }
  // The most a READ, READDIR or READDIRPLUS may ask for (the negotiated max_pages in
  // bytes). The kernel never asks more; a request that does is refused with EINVAL
  // before any reply buffer of that size is made.
  void set_read_limit(std::uint32_t bytes) { read_limit_ = bytes; }
  Filesystem& filesystem() { return fs_; }
  const OperationSet& implemented() const { return implemented_; }

  // The session's reply gate: replies carry it, so one outliving the session sends
  // nothing. Default: ungated (unit tests whose targets outlive every reply).
  void set_gate(GateTicket gate) { gate_ = gate; }

  // Interrupt tracking; without a registry requests are not findable by INTERRUPT.
  void set_interrupts(InterruptRegistry* registry) { interrupts_ = registry; }

  // Never throws: a throwing handler is logged and its reply answers EIO. `slot` is
  // the transport's, its target set; `queue` names the transport queue that carried
  // the request (for interrupt tables).
  void dispatch(const ParsedRequest& request, RequestSlot& slot, std::size_t queue = 0) noexcept;

 private:
  void call_filesystem(const ParsedRequest& p, const Request& req, RequestSlot& slot);
  void fail(RequestSlot& slot, int errnum) const;
  bool within_read_limit(const ParsedRequest& p, std::uint32_t size, RequestSlot& slot) const;
  bool negotiated(Capability c) const { return negotiated_ & bit(c); }

  Filesystem& fs_;
  OperationSet implemented_;
  std::uint64_t negotiated_ = 0;
  std::uint32_t read_limit_ = 1u << 20;
  Trace trace_ = Trace::off;
  InterruptRegistry* interrupts_ = nullptr;
  GateTicket gate_;
};

// Answers `unique` with an error and no body (for requests that never reach a handler).
// `errnum` positive; traced when `trace` is on.
void reply_error(ReplyTarget& target, std::uint64_t unique, int errnum, Trace trace = Trace::off) noexcept;

}  // namespace uringfuse::detail
