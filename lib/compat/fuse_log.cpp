// libfuse 3's logging API (fuse_log.h), joined to the library's own log: once a
// program installs a sink (or turns on syslog), uringfuse::log lines reach it too, so a
// ported filesystem hears from the library exactly where it hears from itself.
#include "uringfuse/fuse3/fuse_log.h"

#include <syslog.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string_view>

#include "uringfuse/log.hpp"

#define UF_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using uringfuse::LogLevel;

static_assert(static_cast<int>(LogLevel::emerg) == FUSE_LOG_EMERG);
static_assert(static_cast<int>(LogLevel::alert) == FUSE_LOG_ALERT);
static_assert(static_cast<int>(LogLevel::crit) == FUSE_LOG_CRIT);
static_assert(static_cast<int>(LogLevel::err) == FUSE_LOG_ERR);
static_assert(static_cast<int>(LogLevel::warning) == FUSE_LOG_WARNING);
static_assert(static_cast<int>(LogLevel::notice) == FUSE_LOG_NOTICE);
static_assert(static_cast<int>(LogLevel::info) == FUSE_LOG_INFO);
static_assert(static_cast<int>(LogLevel::debug) == FUSE_LOG_DEBUG);

std::atomic<bool> g_to_syslog{false};

int syslog_priority(fuse_log_level level) {
  switch (level) {
    case FUSE_LOG_EMERG:
      return LOG_EMERG;
    case FUSE_LOG_ALERT:
      return LOG_ALERT;
    case FUSE_LOG_CRIT:
      return LOG_CRIT;
    case FUSE_LOG_ERR:
      return LOG_ERR;
    case FUSE_LOG_WARNING:
      return LOG_WARNING;
    case FUSE_LOG_NOTICE:
      return LOG_NOTICE;
    case FUSE_LOG_INFO:
      return LOG_INFO;
    case FUSE_LOG_DEBUG:
      return LOG_DEBUG;
  }
  return LOG_ERR;
}

void default_sink(fuse_log_level level, const char* fmt, va_list ap) {
  if (g_to_syslog.load(std::memory_order_relaxed)) {
    vsyslog(syslog_priority(level), fmt, ap);
  } else {
    std::vfprintf(stderr, fmt, ap);
  }
}

std::atomic<fuse_log_func_t> g_sink{default_sink};
std::mutex g_bridge_mutex;  // orders updates of the library's handler

void call_sink(fuse_log_func_t sink, fuse_log_level level, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
void call_sink(fuse_log_func_t sink, fuse_log_level level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sink(level, fmt, ap);
  va_end(ap);
}

// The library's lines go through the C sink whenever that sink is not plain stderr;
// otherwise the library keeps its own stderr writer.
void update_bridge() {
  std::lock_guard lock(g_bridge_mutex);
  bool plain = g_sink.load() == default_sink && !g_to_syslog.load();
  if (plain) {
    uringfuse::set_log_handler({});
    return;
  }
  uringfuse::set_log_handler([](LogLevel level, std::string_view line) {
    // C sinks expect libfuse-style messages, which end in a newline.
    call_sink(g_sink.load(), static_cast<fuse_log_level>(level), "%.*s\n",
              static_cast<int>(line.size()), line.data());
  });
}

}  // namespace

UF_EXPORT void fuse_set_log_func(fuse_log_func_t func) {
  g_sink.store(func != nullptr ? func : default_sink);
  update_bridge();
}

UF_EXPORT void fuse_log(enum fuse_log_level level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_sink.load()(level, fmt, ap);
  va_end(ap);
}

UF_EXPORT void fuse_log_enable_syslog(const char* ident, int option, int facility) {
  g_to_syslog.store(true);
  openlog(ident, option, facility);
  update_bridge();
}

// Like libfuse, this only closes the connection: the default sink stays on syslog
// (which reopens it on the next line).
UF_EXPORT void fuse_log_close_syslog(void) {
  closelog();
}
