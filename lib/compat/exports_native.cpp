// liburingfuse's C names for the entry points that take a caller's struct layout
// (layout_entry_points.hpp): our headers' layout, so they only forward. The
// libfuse3.so.3 drop-in links lib/libfuse3/exports_libfuse3.cpp instead, which
// converts from libfuse 3.0-3.16's layout first, under the same names.
#include "compat/layout_entry_points.hpp"

using namespace uringfuse;

extern "C" {

size_t fuse_buf_size(const fuse_bufvec* bufv) { return compat::buf_size(bufv); }

ssize_t fuse_buf_copy(fuse_bufvec* dst, fuse_bufvec* src, enum fuse_buf_copy_flags flags) {
  return compat::buf_copy(dst, src, flags);
}

int fuse_reply_data(fuse_req_t req, fuse_bufvec* bufv, enum fuse_buf_copy_flags flags) {
  return compat::reply_data(req, bufv, flags);
}

int fuse_lowlevel_notify_store(fuse_session* se, fuse_ino_t ino, off_t offset, fuse_bufvec* bufv,
                               enum fuse_buf_copy_flags flags) {
  return compat::notify_store(se, ino, offset, bufv, flags);
}

int fuse_session_receive_buf(fuse_session* se, fuse_buf* buf) { return compat::receive_buf(se, buf); }

void fuse_session_process_buf(fuse_session* se, const fuse_buf* buf) { compat::process_buf(se, buf); }

// Our headers have one fuse_cmdline_opts and the 3.12 loop configuration; libfuse
// 3.17+ names these the same way.
int fuse_parse_cmdline(fuse_args* args, fuse_cmdline_opts* opts) { return fuse_parse_cmdline_312(args, opts); }

int fuse_session_loop_mt(fuse_session* se, fuse_loop_config* config) { return fuse_session_loop_mt_312(se, config); }

}  // extern "C"
