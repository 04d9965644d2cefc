// The library's log sink: formats one line and hands it to the installed handler
// (stderr by default), so the C API can redirect it like fuse_set_log_func.
#include "uringfuse/log.hpp"

#include <cstdarg>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <utility>

namespace uringfuse {
namespace {

LogHandler& handler() {
  static LogHandler h;
  return h;
}

std::atomic<LogLevel> g_level{LogLevel::info};

}  // namespace

void set_log_handler(LogHandler h) { handler() = std::move(h); }
void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }

void log(LogLevel level, const char* fmt, ...) {
  if (level > g_level.load(std::memory_order_relaxed)) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  std::string_view text(line, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1));
  if (auto& h = handler()) {
    h(level, text);
    return;
  }
  // One fprintf per line keeps lines from different threads whole.
  std::fprintf(stderr, "%.*s\n", static_cast<int>(text.size()), text.data());
}

}  // namespace uringfuse
