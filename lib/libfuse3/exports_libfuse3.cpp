// The libfuse3.so.3 drop-in's own entry points: the ones whose arguments differ
// between libfuse 3.0-3.16 (the ABI of libfuse3.so.3, which Debian 12's binaries
// link) and our headers (libfuse 3.17+). Everything else libfuse3.so.3 exports is
// the library's C API as it is, given libfuse's symbol versions by libfuse3.map.
//
// Each function here is exported under libfuse's versioned name with .symver, and
// its own name stays local (the map ends in `local: *`). A name libfuse exports in
// several versions (fuse_session_loop_mt, fuse_parse_cmdline) gets one function
// per version, the newest as the default (@@) for programs linked against us.
#include <cstddef>

#include "compat/bufvec_30.hpp"
#include "compat/layout_entry_points.hpp"
#include "libfuse3/symver.hpp"

using namespace uringfuse;

using compat::fuse_buf_30;
using compat::fuse_bufvec_30;
using compat::NativeBufvec;

extern "C" {

size_t libfuse3_buf_size(const fuse_bufvec_30* bufv) {
  NativeBufvec v(const_cast<fuse_bufvec_30*>(bufv));
  return compat::buf_size(v.get());
}
LIBFUSE3_SYMVER(libfuse3_buf_size, "fuse_buf_size@@FUSE_3.0");

ssize_t libfuse3_buf_copy(fuse_bufvec_30* dst, fuse_bufvec_30* src, enum fuse_buf_copy_flags flags) {
  NativeBufvec d(dst), s(src);
  return compat::buf_copy(d.get(), s.get(), flags);
}
LIBFUSE3_SYMVER(libfuse3_buf_copy, "fuse_buf_copy@@FUSE_3.0");

int libfuse3_reply_data(fuse_req_t req, fuse_bufvec_30* bufv, enum fuse_buf_copy_flags flags) {
  NativeBufvec v(bufv);
  return compat::reply_data(req, v.get(), flags);
}
LIBFUSE3_SYMVER(libfuse3_reply_data, "fuse_reply_data@@FUSE_3.0");

int libfuse3_notify_store(fuse_session* se, fuse_ino_t ino, off_t offset, fuse_bufvec_30* bufv,
                          enum fuse_buf_copy_flags flags) {
  NativeBufvec v(bufv);
  return compat::notify_store(se, ino, offset, v.get(), flags);
}
LIBFUSE3_SYMVER(libfuse3_notify_store, "fuse_lowlevel_notify_store@@FUSE_3.0");

// libfuse before 3.17 allocated the buffer itself, always of the session's buffer
// size, and reused whatever `mem` it found: the same assumption holds here.
int libfuse3_receive_buf(fuse_session* se, fuse_buf_30* buf) {
  size_t known = buf->mem && se->session ? se->session->request_buffer_size() : 0;
  fuse_buf ours = compat::from_30(*buf, known);
  int rc = compat::receive_buf(se, &ours);
  *buf = compat::to_30(ours);
  return rc;
}
LIBFUSE3_SYMVER(libfuse3_receive_buf, "fuse_session_receive_buf@@FUSE_3.0");

void libfuse3_process_buf(fuse_session* se, const fuse_buf_30* buf) {
  fuse_buf ours = compat::from_30(*buf);
  compat::process_buf(se, &ours);
}
LIBFUSE3_SYMVER(libfuse3_process_buf, "fuse_session_process_buf@@FUSE_3.0");

// Binaries built against libfuse 3.0-3.16 call fuse_session_new itself (later
// headers turn it into fuse_session_new_versioned); `op_size` still tells how much
// of fuse_lowlevel_ops they know.
fuse_session* libfuse3_session_new(fuse_args* args, const fuse_lowlevel_ops* op, size_t op_size,
                                   void* userdata) {
  libfuse_version version{3, 16, 0, 0};
  return fuse_session_new_versioned(args, op, op_size, &version, userdata);
}
LIBFUSE3_SYMVER(libfuse3_session_new, "fuse_session_new@@FUSE_3.0");

// Their struct fuse_custom_io ends before clone_fd.
int libfuse3_session_custom_io(fuse_session* se, const fuse_custom_io* io, int fd) {
  return fuse_session_custom_io_317(se, io, offsetof(fuse_custom_io, clone_fd), fd);
}
LIBFUSE3_SYMVER(libfuse3_session_custom_io, "fuse_session_custom_io@@FUSE_3.0");

int libfuse3_parse_cmdline_30(fuse_args* args, fuse_cmdline_opts* opts) { return fuse_parse_cmdline_30(args, opts); }
LIBFUSE3_SYMVER(libfuse3_parse_cmdline_30, "fuse_parse_cmdline@FUSE_3.0");
int libfuse3_parse_cmdline_312(fuse_args* args, fuse_cmdline_opts* opts) {
  return fuse_parse_cmdline_312(args, opts);
}
LIBFUSE3_SYMVER(libfuse3_parse_cmdline_312, "fuse_parse_cmdline@@FUSE_3.12");

int libfuse3_loop_mt_30(fuse_session* se, int clone_fd) { return fuse_session_loop_mt_31(se, clone_fd); }
LIBFUSE3_SYMVER(libfuse3_loop_mt_30, "fuse_session_loop_mt@FUSE_3.0");
int libfuse3_loop_mt_32(fuse_session* se, fuse_loop_config_v1* config) {
  return fuse_session_loop_mt_32(se, config);
}
LIBFUSE3_SYMVER(libfuse3_loop_mt_32, "fuse_session_loop_mt@FUSE_3.2");
int libfuse3_loop_mt_312(fuse_session* se, fuse_loop_config* config) { return fuse_session_loop_mt_312(se, config); }
LIBFUSE3_SYMVER(libfuse3_loop_mt_312, "fuse_session_loop_mt@@FUSE_3.12");

}  // extern "C"
