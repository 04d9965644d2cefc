// The C API's opaque types, as uringfuse implements them: a fuse_session wraps a
// uringfuse::Session and the adapter filesystem; a fuse_req carries one typed reply
// object until the C filesystem answers it with a fuse_reply_* call.
#pragma once

#define FUSE_USE_VERSION 319
#include "uringfuse/fuse3/fuse_lowlevel.h"

#include <atomic>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <variant>
#include <vector>

#include "uringfuse/session.hpp"

namespace uringfuse::compat {
class CompatFilesystem;
}

struct fuse_session {
  uringfuse::SessionOptions options;
  fuse_lowlevel_ops ops{};
  void* userdata = nullptr;
  std::unique_ptr<uringfuse::compat::CompatFilesystem> fs;
  std::unique_ptr<uringfuse::Session> session;
  std::atomic<bool> exited{false};
  std::atomic<int> stop_signal{0};  // the signal that ended the loop
  uringfuse::Notifier* notifier = nullptr;  // valid once INIT ran
  // fuse_session_custom_io: the caller's transport (io_uring is then off, as in libfuse).
  std::optional<fuse_custom_io> custom_io;
  void* custom_io_userdata = nullptr;
  int custom_fd = -1;
  std::unique_ptr<uringfuse::ReplyTarget> custom_target;
};

using CompatReply =
    std::variant<std::monostate, uringfuse::ReplyEntry, uringfuse::ReplyAttr, uringfuse::ReplyOpen,
                 uringfuse::ReplyData, uringfuse::ReplyEmpty, uringfuse::ReplyStatfs,
                 uringfuse::ReplyDirectory, uringfuse::ReplyDirectoryPlus, uringfuse::ReplyCreate,
                 uringfuse::ReplyWrite, uringfuse::ReplyReadlink, uringfuse::ReplyXattr,
                 uringfuse::ReplyLock, uringfuse::ReplyBmap, uringfuse::ReplyIoctl,
                 uringfuse::ReplyPoll, uringfuse::ReplyLseek, uringfuse::ReplyStatx>;

struct fuse_req {
  fuse_session* se = nullptr;
  fuse_ctx ctx{};
  uringfuse::Request request;
  std::vector<gid_t> groups;
  CompatReply reply;
  std::optional<std::stop_callback<std::function<void()>>> on_interrupt;
  bool answered = false;  // a further fuse_reply_* is refused (see end_request)
};

struct fuse_pollhandle {
  std::uint64_t kh = 0;
  fuse_session* se = nullptr;
};

struct fuse_loop_config {
  int version_id = -1;  // tells it apart from a v1 struct, whose first field is 0 or 1
  int clone_fd = 0;
  unsigned max_idle_threads = UINT_MAX;
  unsigned max_threads = 10;
};

namespace uringfuse::compat {

// Makes the request object a handler gets; `reply` may be std::monostate (forget).
fuse_req* make_request(fuse_session* se, const Request& request, CompatReply reply);
// Marks it answered once the reply was sent, and frees it a little later (when this
// thread answers its next request), so a second reply finds it marked, not freed.
void end_request(fuse_req* req);
// True (and logs it) if `req` was answered already: `what` must then do nothing.
bool answered_before(fuse_req* req, const char* what);

// FUSE_CAP_* bits <-> kernel INIT bits (they differ for a few capabilities).
std::uint64_t caps_from_kernel(std::uint64_t kernel_bits);
std::uint64_t kernel_from_caps(std::uint64_t caps);

}  // namespace uringfuse::compat
