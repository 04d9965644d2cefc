// A libfuse 2.9 filesystem's operations served as libfuse 3 ones, so that a binary
// built against libfuse.so.2 runs on our high-level layer (and its io_uring): each
// call is passed on with 2.9's signature and its fuse_file_info and fuse_conn_info
// converted both ways.
#pragma once

#define FUSE_USE_VERSION 319
#include "uringfuse/fuse3/fuse.h"

#include <cstddef>

#include "libfuse2/fuse2_types.hpp"

namespace uringfuse::fuse2 {

// libfuse 3 operations that call the first `size` bytes of `ops` (a program built
// against an older 2.x passes a shorter struct). Kept for the process: fuse_main
// serves one filesystem. Members it lacks stay null, so callers get what libfuse 2
// gave them (ENOSYS, or the kernel's own handling).
const fuse_operations& adapt(const Operations* ops, std::size_t size);

}  // namespace uringfuse::fuse2
