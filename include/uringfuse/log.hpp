// The library's log: one line per event, to stderr unless the program installs its
// own handler (the C API's fuse_set_log_func does).
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <functional>
#include <string_view>

namespace uringfuse {

enum class LogLevel { emerg, alert, crit, err, warning, notice, info, debug };

using LogHandler = std::function<void(LogLevel, std::string_view line)>;

// Replaces the handler; an empty one restores the default (stderr). Not thread-safe
// against concurrent logging: call it before starting a session.
void set_log_handler(LogHandler handler);

// Lines less severe than `level` are dropped. Default: info; a session started with
// -d lowers it to debug.
void set_log_level(LogLevel level);
LogLevel log_level();

// printf-style; the line is complete, no trailing newline needed.
void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace uringfuse
