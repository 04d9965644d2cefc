// The private state behind uringfuse::Session.
#pragma once

#include "core/reply_gate.hpp"

#include <atomic>
#include <memory>

#include "mount/mount.hpp"
#include "core/connection.hpp"
#include "core/notify_channel.hpp"
#include "session/uring_starter.hpp"
#include "transport/dev/dev_transport.hpp"
#include "uringfuse/session.hpp"

namespace uringfuse {

struct SessionState {
  SessionState(SessionOptions o, Filesystem& f, OperationSet ops);
  ~SessionState();

  SessionOptions options;
  Filesystem& fs;
  OperationSet implemented;
  detail::Mount mount;
  NotifyChannel notify;
  Notifier notifier{notify};
  std::unique_ptr<detail::DevReplyTarget> notify_target;  // writes notifications to the session fd
  // Live from run() until the Session goes: deferred replies may still reach them.
  std::unique_ptr<detail::Connection> connection;
  detail::RequestHandler* handler = nullptr;  // == connection, for the ring starter
  std::unique_ptr<detail::SessionUringStarter> uring;
  std::unique_ptr<detail::DevTransport> transport;
  detail::SlotPool::Handle caller_slots = detail::SlotPool::make();  // for process_request()
  int wake_fd = -1;  // eventfd: exit() writes it, run() waits on it
  std::atomic<bool> exited{false};
  std::atomic<bool> running{false};
  // Declared last, so destroyed first: closed before the transports and their reply
  // targets go, so that a reply kept by the filesystem beyond the session sends
  // nothing instead of touching them.
  detail::ReplyGate reply_gate;
};

}  // namespace uringfuse
