// What the session tells the early-daemonize state (compat_daemonize.cpp): the
// parent hears success only once both have happened.
#pragma once

namespace uringfuse::compat {

void daemonize_note_mounted();        // fuse_session_mount succeeded
void daemonize_note_init_answered();  // INIT's answer went out (SessionOptions::on_ready)

}  // namespace uringfuse::compat
