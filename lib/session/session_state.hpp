// The private state behind uringfuse::Session.
#pragma once

#include "dispatch/reply_gate.hpp"

#include <atomic>
#include <memory>

#include "mount/mount.hpp"
#include "session/connection.hpp"
#include "session/notify_channel.hpp"
#include "session/uring_starter.hpp"
#include "transport/dev/dev_transport.hpp"
#include "uringfuse/session.hpp"

namespace uringfuse::detail {

struct SessionState {
  SessionState(SessionOptions o, Filesystem& f, OperationSet ops);
  ~SessionState();

  SessionOptions options;
  Filesystem& fs;
  OperationSet implemented;
  Mount mount;
  NotifyChannel notify;
  Notifier notifier{notify};
  std::unique_ptr<DevReplyTarget> notify_target;  // writes notifications to the session fd
  // Live from run() until the Session goes: deferred replies may still reach them.
  std::unique_ptr<Connection> connection;
  RequestHandler* handler = nullptr;  // == connection, for the ring starter
  std::unique_ptr<SessionUringStarter> uring;
  std::unique_ptr<DevTransport> transport;
  int wake_fd = -1;  // eventfd: exit() writes it, run() waits on it
  std::atomic<bool> exited{false};
  std::atomic<bool> running{false};
  // Declared last, so destroyed first: closed before the transports and their reply
  // targets go, so that a reply kept by the filesystem beyond the session sends
  // nothing instead of touching them.
  ReplyGate reply_gate;
};

}  // namespace uringfuse::detail
