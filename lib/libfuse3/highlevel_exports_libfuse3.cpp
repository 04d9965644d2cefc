// The libfuse3.so.3 drop-in's high-level entry points whose structs differ between
// libfuse 3.14 (Debian 12's binaries) and our header: fuse_new and fuse_main_real
// make a fuse whose filesystem gets 3.14's struct fuse_config in init() and its
// bufvec layout in read_buf/write_buf; fuse_fs_new/read_buf/write_buf take and
// give that layout too. fuse_new and fuse_loop_mt are exported under each version
// libfuse gave them, the newest as the default (see exports_libfuse3.cpp).
#include <cerrno>

#include "compat/bufvec_30.hpp"
#include "highlevel/fuse_object.hpp"
#include "highlevel/layout_calls.hpp"
#include "libfuse3/symver.hpp"

using namespace uringfuse;
using namespace uringfuse::highlevel;

namespace {
constexpr CallerLayout k314 = CallerLayout::libfuse314;
}

extern "C" {

// 3.0's fuse_new prints the help for -h itself; 3.1's leaves that to the caller.
// Each is also exported under its own name (fuse_new_30, fuse_new_31), as libfuse's.
fuse* libfuse3_new_30(fuse_args* args, const fuse_operations* op, size_t op_size, void* user_data) {
  return new_fuse_30(args, op, op_size, user_data, k314);
}
LIBFUSE3_SYMVER(libfuse3_new_30, "fuse_new@FUSE_3.0");
LIBFUSE3_SYMVER(libfuse3_new_30, "fuse_new_30@@FUSE_3.1");
fuse* libfuse3_new_31(fuse_args* args, const fuse_operations* op, size_t op_size, void* user_data) {
  return new_fuse(args, op, op_size, user_data, k314);
}
LIBFUSE3_SYMVER(libfuse3_new_31, "fuse_new@@FUSE_3.1");
LIBFUSE3_SYMVER(libfuse3_new_31, "fuse_new_31@@FUSE_3.1");

int libfuse3_main_real(int argc, char* argv[], const fuse_operations* op, size_t op_size, void* user_data) {
  return main_real(argc, argv, op, op_size, user_data, k314);
}
LIBFUSE3_SYMVER(libfuse3_main_real, "fuse_main_real@@FUSE_3.0");

int libfuse3_fuse_loop_mt_30(fuse* f, int clone_fd) { return fuse_loop_mt_31(f, clone_fd); }
LIBFUSE3_SYMVER(libfuse3_fuse_loop_mt_30, "fuse_loop_mt@FUSE_3.0");
int libfuse3_fuse_loop_mt_32(fuse* f, fuse_loop_config_v1* config) { return fuse_loop_mt_32(f, config); }
LIBFUSE3_SYMVER(libfuse3_fuse_loop_mt_32, "fuse_loop_mt@FUSE_3.2");
int libfuse3_fuse_loop_mt_312(fuse* f, fuse_loop_config* config) { return fuse_loop_mt_312(f, config); }
LIBFUSE3_SYMVER(libfuse3_fuse_loop_mt_312, "fuse_loop_mt@@FUSE_3.12");

fuse_fs* libfuse3_fs_new(const fuse_operations* op, size_t op_size, void* private_data) {
  return new_fs(op, op_size, private_data, k314);
}
LIBFUSE3_SYMVER(libfuse3_fs_new, "fuse_fs_new@@FUSE_3.0");

// A stacking caller built against 3.14 hands over and takes back 3.14's bufvecs.
int libfuse3_fs_read_buf(fuse_fs* fs, const char* path, compat::fuse_bufvec_30** bufp, size_t size, off_t off,
                         fuse_file_info* fi) {
  fuse_bufvec* ours = nullptr;
  const int res = read_buf(fs, path, &ours, size, off, fi);
  if (!ours) return res;
  *bufp = compat::export_30(ours);
  return *bufp || res != 0 ? res : -ENOMEM;
}
LIBFUSE3_SYMVER(libfuse3_fs_read_buf, "fuse_fs_read_buf@@FUSE_3.0");
int libfuse3_fs_write_buf(fuse_fs* fs, const char* path, compat::fuse_bufvec_30* buf, off_t off,
                          fuse_file_info* fi) {
  compat::NativeBufvec ours(buf);
  return write_buf(fs, path, ours.get(), off, fi);
}
LIBFUSE3_SYMVER(libfuse3_fs_write_buf, "fuse_fs_write_buf@@FUSE_3.0");

}  // extern "C"
