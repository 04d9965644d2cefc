// fuse_session_start_teardown_watchdog: a thread that notices a dead connection
// (POLLERR on the session fd after an abort or a forced unmount), ends the session,
// and forces the issue if the session does not finish in time.
#include <poll.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "compat/compat_types.hpp"

struct fuse_teardown_watchdog {
  fuse_session* se = nullptr;
  int timeout_secs = 0;
  fuse_timeout_cb cb = nullptr;
  void* data = nullptr;
  std::atomic<bool> stop{false};
  std::thread thread;
};

namespace {

void watch(fuse_teardown_watchdog* wd) {
  while (!wd->stop.load()) {
    pollfd p{fuse_session_fd(wd->se), 0, 0};
    if (p.fd >= 0 && ::poll(&p, 1, 200) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) break;
    if (p.fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (wd->stop.load()) return;
  fuse_session_exit(wd->se);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wd->timeout_secs);
  while (!wd->stop.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (wd->stop.load()) return;
  if (wd->cb) wd->cb(wd->data);
  else ::exit(1);
}

}  // namespace

extern "C" {

void* fuse_session_start_teardown_watchdog(fuse_session* se, int timeout_secs, fuse_timeout_cb cb,
                                           void* data) {
  auto* wd = new fuse_teardown_watchdog;
  wd->se = se;
  wd->timeout_secs = timeout_secs;
  wd->cb = cb;
  wd->data = data;
  wd->thread = std::thread(watch, wd);
  return wd;
}

void fuse_session_stop_teardown_watchdog(void* handle) {
  auto* wd = static_cast<fuse_teardown_watchdog*>(handle);
  if (!wd) return;
  wd->stop.store(true);
  wd->thread.join();
  delete wd;
}

}  // extern "C"
