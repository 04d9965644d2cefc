// liburingfuse's names for the high-level entry points whose structs depend on the
// caller's layout (layout_calls.hpp, fuse_object.hpp): our header's, so they only
// forward. The libfuse3.so.3 drop-in gives the same names, for libfuse 3.14's
// layout, in lib/libfuse3/highlevel_exports_libfuse3.cpp.
#include "highlevel/fuse_object.hpp"
#include "highlevel/layout_calls.hpp"

using namespace uringfuse::highlevel;

namespace {
constexpr CallerLayout kOurs = CallerLayout::libfuse319;
}

extern "C" {

fuse* fuse_new_30(fuse_args* args, const fuse_operations* op, size_t op_size, void* user_data) {
  return new_fuse_30(args, op, op_size, user_data, kOurs);
}
fuse* fuse_new_31(fuse_args* args, const fuse_operations* op, size_t op_size, void* user_data) {
  return new_fuse(args, op, op_size, user_data, kOurs);
}
int fuse_main_real(int argc, char* argv[], const fuse_operations* op, size_t op_size, void* user_data) {
  return main_real(argc, argv, op, op_size, user_data, kOurs);
}
int fuse_loop_mt(fuse* f, fuse_loop_config* config) { return fuse_loop_mt_312(f, config); }

fuse_fs* fuse_fs_new(const fuse_operations* op, size_t op_size, void* private_data) {
  return new_fs(op, op_size, private_data, kOurs);
}
int fuse_fs_read_buf(fuse_fs* fs, const char* path, fuse_bufvec** bufp, size_t size, off_t off,
                     fuse_file_info* fi) {
  return read_buf(fs, path, bufp, size, off, fi);
}
int fuse_fs_write_buf(fuse_fs* fs, const char* path, fuse_bufvec* buf, off_t off, fuse_file_info* fi) {
  return write_buf(fs, path, buf, off, fi);
}

}  // extern "C"
