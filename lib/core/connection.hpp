// The protocol state of one FUSE connection: waits for INIT, negotiates it, then
// validates and dispatches every request; DESTROY ends it. Transports hand it raw
// requests through the RequestHandler interface; unit tests do the same with bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "core/dispatcher.hpp"
#include "core/inflight.hpp"
#include "core/init_negotiation.hpp"
#include "core/notify_channel.hpp"
#include "core/raw_request.hpp"

namespace uringfuse::detail {

// Brings up FUSE-over-io_uring during INIT: prepare() while INIT is handled (the
// reply carries the flag only if it succeeded), go() once the reply is written.
class UringStarter {
 public:
  virtual ~UringStarter() = default;
  virtual bool prepare(const InitOutcome& agreed, std::string& why) = 0;
  virtual void go() = 0;
};

struct ConnectionConfig {
  Trace trace = Trace::off;  // the -d trace (debug_trace.hpp)
  InitLimits limits;
  // allow_root: only this uid and root may use the mount (it is mounted allow_other).
  bool allow_root = false;
  uid_t owner = 0;
  std::size_t queues = 1;  // transport queues, for the interrupt tables
  GateTicket gate;         // the session's reply gate (reply_gate.hpp); none in unit tests
  UringStarter* uring = nullptr;  // set when the session was asked for io_uring
  // Called once when the connection can serve no more: DESTROY, or a refused INIT.
  std::function<void()> on_end;
  // -s / fuse_session_loop(): the filesystem's code runs for one request at a time,
  // also when the rings and /dev/fuse (FORGET, INTERRUPT) deliver at once.
  bool one_handler_at_a_time = false;
  // Called once INIT's answer went out (SessionOptions::on_ready).
  std::function<void()> on_ready;
};

class Connection final : public RequestHandler {
 public:
  Connection(Filesystem& fs, OperationSet implemented, ConnectionConfig config,
             NotifyChannel* notify = nullptr);

  void handle(const RawRequest& raw, RequestSlot& slot) noexcept override;
  std::size_t request_buffer_size() const noexcept override;

  bool initialized() const { return initialized_.load(std::memory_order_acquire); }
  std::uint32_t minor() const { return minor_; }
  std::uint64_t negotiated() const { return negotiated_; }
  std::uint32_t max_write() const { return max_write_.load(std::memory_order_acquire); }
  // INIT was refused (by us or the filesystem): the session failed.
  bool refused() const { return refused_.load(); }
  // FUSE-over-io_uring is serving requests.
  bool uring_active() const { return uring_active_.load(); }
  const std::atomic<bool>* uring_active_flag() const { return &uring_active_; }

  InterruptRegistry& interrupts() { return interrupts_; }  // for tests: set_stale_after()

  // Calls the filesystem's destroy() if INIT succeeded and DESTROY never came. Idempotent.
  void finish() noexcept;

 private:
  void handle_init(const ParsedRequest& p, ReplyTarget& target);
  bool start_uring(InitOutcome& o);
  void handle_destroy(const ParsedRequest& p, ReplyTarget& target);
  void handle_interrupt(const ParsedRequest& p, ReplyTarget* device);
  void handle_notify_reply(const ParsedRequest& p);
  bool denied_by_allow_root(const ParsedRequest& p) const;
  void end();

  Dispatcher dispatcher_;
  ConnectionConfig config_;
  NotifyChannel* notify_;
  Notifier notifier_;
  NotifyChannel own_notify_;  // used when the session supplies none (unit tests)
  InterruptRegistry interrupts_;
  std::atomic<bool> refused_{false};
  std::atomic<bool> uring_active_{false};
  std::atomic<bool> initialized_{false};
  std::mutex one_at_a_time_;  // held around handling when config_.one_handler_at_a_time
  std::atomic<std::uint32_t> max_write_;
  std::uint32_t minor_ = 0;
  bool no_interrupt_ = false;
  std::uint64_t negotiated_ = 0;
  std::once_flag destroyed_;
  std::once_flag ended_;
};

}  // namespace uringfuse::detail
