// The C entry points whose arguments carry struct fuse_buf or fuse_bufvec, and so
// depend on which struct layout the caller was built with. The library implements
// them once here, for the layout of our headers (libfuse 3.17+, with
// fuse_buf.mem_size); exports_native.cpp gives them their libfuse names in
// liburingfuse, and libfuse3/ exports_libfuse3.cpp gives them those names in the
// libfuse3.so.3 drop-in, after converting from the libfuse 3.0-3.16 layout.
#pragma once

#include "compat/compat_types.hpp"

namespace uringfuse::compat {

size_t buf_size(const fuse_bufvec* bufv);
ssize_t buf_copy(fuse_bufvec* dst, fuse_bufvec* src, enum fuse_buf_copy_flags flags);
int reply_data(fuse_req_t req, fuse_bufvec* bufv, enum fuse_buf_copy_flags flags);
int notify_store(fuse_session* se, fuse_ino_t ino, off_t offset, fuse_bufvec* bufv, enum fuse_buf_copy_flags flags);
int receive_buf(fuse_session* se, fuse_buf* buf);
void process_buf(fuse_session* se, const fuse_buf* buf);

}  // namespace uringfuse::compat
