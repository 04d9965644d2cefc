// Keeps replies that outlive their session harmless. A reply object may be kept
// anywhere (a filesystem parks deferred replies in itself) and destroyed after the
// session, its transports and their reply targets are gone. Each session holds a
// gate; every reply carries the gate's ticket and enters the gate around its use of
// the target. A closed gate turns the reply into a no-op (one log line); closing
// waits for replies already inside. Slots live in static storage, so a ticket can be
// checked after its session is freed.
#pragma once

#include <cstdint>


namespace uringfuse::detail {

// Names the session a reply belongs to, so that a reply outliving it sends nothing.
// Slot 0: not tied to a session's life.
struct GateTicket {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
};

class ReplyGate {
 public:
  ReplyGate();   // takes a free slot (beyond kSlots live sessions: ungated, and says so)
  ~ReplyGate();  // close()
  ReplyGate(const ReplyGate&) = delete;
  ReplyGate& operator=(const ReplyGate&) = delete;

  // From now on replies with this gate's ticket send nothing; returns once no reply
  // is using a target any more. Idempotent.
  void close() noexcept;
  GateTicket ticket() const noexcept { return ticket_; }

  // Around a reply's use of its target: false once the gate is closed (nothing may
  // be touched then). Every true is paired with one leave().
  static bool enter(GateTicket ticket) noexcept;
  static void leave(GateTicket ticket) noexcept;

  static constexpr std::uint32_t kSlots = 256;

 private:
  GateTicket ticket_;
  bool closed_ = false;
};

// enter() on construction, leave() on destruction if it let the reply in.
class GatePass {
 public:
  explicit GatePass(GateTicket t) noexcept : ticket_(t), open_(ReplyGate::enter(t)) {}
  ~GatePass() {
    if (open_) ReplyGate::leave(ticket_);
  }
  GatePass(const GatePass&) = delete;
  GatePass& operator=(const GatePass&) = delete;
  explicit operator bool() const noexcept { return open_; }

 private:
  GateTicket ticket_;
  bool open_;
};

}  // namespace uringfuse::detail
