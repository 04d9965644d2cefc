// Doing a request's filesystem work as the caller: the handling thread's fsuid, fsgid,
// supplementary groups and capabilities are switched for the guard's lifetime, so files
// get the caller's ownership and the source filesystem checks the caller's permissions.
#pragma once

#include <cerrno>

#include <uringfuse/request.hpp>

namespace passthrough {

// Records the daemon's own identity. Call once, before any request is served.
void init_credentials();

// Switches the calling thread to the identity of `req`'s caller, and back in the
// destructor. Does nothing unless the daemon runs as root and the caller is someone
// else. Throws std::system_error if the switch fails (nothing is left switched).
class CallerIdentity {
 public:
  explicit CallerIdentity(const uringfuse::Request& req);
  ~CallerIdentity();
  CallerIdentity(const CallerIdentity&) = delete;
  CallerIdentity& operator=(const CallerIdentity&) = delete;

 private:
  bool switched_ = false;
};

}  // namespace passthrough

namespace passthrough {

// Runs `call` (a syscall returning < 0 on failure) as the caller of `req`; returns 0 or
// the errno it failed with, read before the identity is restored.
template <class Call>
int as_caller(const uringfuse::Request& req, Call&& call) {
  CallerIdentity identity(req);
  return call() < 0 ? errno : 0;
}

}  // namespace passthrough
