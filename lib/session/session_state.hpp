// The private state behind uringfuse::Session.
#pragma once

#include <atomic>
#include <memory>

#include "mount/mount.hpp"
#include "session/connection.hpp"
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
  int wake_fd = -1;  // eventfd: exit() writes it, run() waits on it
  std::atomic<bool> exited{false};
  std::atomic<bool> running{false};
};

}  // namespace uringfuse::detail
