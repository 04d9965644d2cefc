// fuse_get_context() and friends: who made the request this thread is serving.
#pragma once

#include "highlevel/highlevel_types.hpp"

namespace uringfuse::highlevel {

// Sets this thread's fuse_context for one request (or, with req == nullptr, for a
// call outside requests such as init), and puts the previous one back at the end.
// With -o intr, a FUSE interrupt sends intr_signal to this thread until end()
// or the destructor, so a handler blocked in a system call returns EINTR.
class RequestScope {
 public:
  RequestScope(fuse* f, fuse_req_t req);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;
  // Stops the interrupt forwarding; call before replying (the request is gone after).
  void end();

 private:
  fuse_context saved_context_;
  fuse_req_t saved_req_;
  fuse_req_t req_;
  bool forwarding_ = false;
};

// Installs a do-nothing handler for the interrupt signal, so that it interrupts a
// system call without ending the process (-o intr).
void install_interrupt_signal(int signal);

}  // namespace uringfuse::highlevel
