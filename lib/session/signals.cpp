// Signal handling for a session: SIGINT, SIGTERM and SIGHUP end it (the handler only
// writes an eventfd); SIGPIPE is ignored so a closed client never kills the daemon.
#include <signal.h>

#include <atomic>

#include "uringfuse/session.hpp"

namespace uringfuse {
namespace {

std::atomic<Session*> g_session{nullptr};
constexpr int kExitSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[3];
struct sigaction g_previous_pipe;

void on_exit_signal(int) {
  if (Session* s = g_session.load()) s->exit();
}

}  // namespace

void install_signal_handlers(Session& session) {
  g_session.store(&session);
  struct sigaction sa {};
  sa.sa_handler = on_exit_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked wait returns EINTR and re-checks
  for (int i = 0; i < 3; ++i) sigaction(kExitSignals[i], &sa, &g_previous[i]);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &g_previous_pipe);
}

void remove_signal_handlers() {
  for (int i = 0; i < 3; ++i) sigaction(kExitSignals[i], &g_previous[i], nullptr);
  sigaction(SIGPIPE, &g_previous_pipe, nullptr);
  g_session.store(nullptr);
}

}  // namespace uringfuse
