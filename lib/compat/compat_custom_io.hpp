// The caller-driven paths of the C API: fuse_session_receive_buf/process_buf, and
// fuse_session_custom_io, where the filesystem brings its own read/writev.
#pragma once

#include "compat/compat_types.hpp"

namespace uringfuse::compat {

// fuse_session_loop for a custom-io session: receive, process, until exited.
int loop_over_custom_io(fuse_session* se);

}  // namespace uringfuse::compat
