// Detaching from the terminal after a successful mount, like libfuse's fuse_daemonize.
#pragma once

namespace uringfuse::detail {

// Forks; the parent exits 0 once the child has detached (new session, cwd /, stdio on
// /dev/null). Returns false in the caller (with a log line) if that failed. Call it
// before any thread starts.
bool daemonize();

}  // namespace uringfuse::detail
