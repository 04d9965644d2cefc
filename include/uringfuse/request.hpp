// The context of one request: who asked (uid, gid, pid, umask, groups), which request
// it is, and whether the caller has given up on it (interrupts).
// Valid during the handler call; copy what a deferred reply needs.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <stop_token>

namespace uringfuse {

class Io;
class RequestSlot;  // the transport's record of the request (the library's own)

struct Request {
  std::uint64_t unique = 0;
  std::uint32_t opcode = 0;
  std::uint64_t nodeid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  // CREATE, MKNOD, MKDIR, TMPFILE: the caller's umask (already applied to mode unless
  // the connection wants Capability::dont_mask).
  mode_t umask = 0;
  // The caller's supplementary groups, when the kernel sends them (CREATE, MKNOD,
  // MKDIR, SYMLINK, TMPFILE with Capability::create_supp_group). Empty otherwise.
  std::span<const gid_t> supplementary_groups;
  // The request came through an io_uring queue (not /dev/fuse).
  bool via_io_uring = false;

  // True once the kernel sent FUSE_INTERRUPT for this request: the caller got a
  // signal. Answer soon, typically with EINTR.
  bool interrupted() const noexcept;
  // Requested to stop when the request is interrupted; register a std::stop_callback
  // to wake a blocking handler.
  std::stop_token stop_token() const;
  // The handle for backend I/O that an asynchronous handler co_awaits (async_io.hpp):
  // over io_uring, operations go on this request's own ring. Take it before the
  // coroutine's first co_await; the Request itself is gone once the handler returns.
  Io io() const noexcept;

  // What the request is to the library: where its reply goes, its interrupt state.
  // Set for every request the library dispatches; null only in a Request made by
  // hand (which then is never interrupted and does its I/O on the calling thread).
  RequestSlot* slot = nullptr;
};

}  // namespace uringfuse
