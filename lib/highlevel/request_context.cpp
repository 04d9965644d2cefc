#include "highlevel/request_context.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <utility>

namespace uringfuse::highlevel {
namespace {

thread_local fuse_context current_context{};
thread_local fuse_req_t current_req = nullptr;

// Where the interrupt of the request this thread serves is sent.
thread_local std::pair<pthread_t, int> interrupt_target{};

void forward_interrupt(fuse_req_t, void* data) {
  const auto* who = static_cast<const std::pair<pthread_t, int>*>(data);
  pthread_kill(who->first, who->second);
}

void ignore_signal(int) {}

}  // namespace

RequestScope::RequestScope(fuse* f, fuse_req_t req)
    : saved_context_(current_context), saved_req_(current_req), req_(req) {
  current_context = fuse_context{};
  current_context.fuse = f;
  current_context.private_data = f->fs->user_data;
  if (req) {
    const fuse_ctx* ctx = fuse_req_ctx(req);
    current_context.uid = ctx->uid;
    current_context.gid = ctx->gid;
    current_context.pid = ctx->pid;
    current_context.umask = ctx->umask;
    if (f->conf.intr) {
      interrupt_target = {pthread_self(), f->conf.intr_signal};
      fuse_req_interrupt_func(req, forward_interrupt, &interrupt_target);
      forwarding_ = true;
    }
  }
  current_req = req;
}

void RequestScope::end() {
  if (forwarding_) fuse_req_interrupt_func(req_, nullptr, nullptr);
  forwarding_ = false;
}

RequestScope::~RequestScope() {
  end();
  current_context = saved_context_;
  current_req = saved_req_;
}

void install_interrupt_signal(int signal) {
  struct sigaction old{};
  if (sigaction(signal, nullptr, &old) == 0 && old.sa_handler != SIG_DFL) return;  // the program's own
  struct sigaction sa{};
  sa.sa_handler = ignore_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(signal, &sa, nullptr);
}

}  // namespace uringfuse::highlevel

using uringfuse::highlevel::current_context;
using uringfuse::highlevel::current_req;

extern "C" {

fuse_context* fuse_get_context(void) { return &current_context; }

int fuse_getgroups(int size, gid_t list[]) {
  if (!current_req) return -EPERM;
  return fuse_req_getgroups(current_req, size, list);
}

int fuse_interrupted(void) { return current_req ? fuse_req_interrupted(current_req) : 0; }

}  // extern "C"
