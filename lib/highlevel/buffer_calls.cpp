// Reads and writes of a path filesystem, through read_buf/write_buf or read/write,
// whichever it has (libfuse falls back the same way), with the bufvec layout
// converted for a filesystem built against libfuse 3.14 (compat/bufvec_30.hpp).
// Copies go through compat's layout-explicit entry points: in the libfuse3.so.3
// drop-in the plain fuse_buf_copy takes 3.14's layout.
#include <cerrno>
#include <cstdlib>

#include "compat/bufvec_30.hpp"
#include "compat/layout_entry_points.hpp"
#include "highlevel/layout_calls.hpp"

namespace uringfuse::highlevel {
namespace {

constexpr auto kNoCopyFlags = static_cast<fuse_buf_copy_flags>(0);
constexpr size_t kReadAlignment = 4096;

int call_read_buf(fuse_fs* fs, const char* path, fuse_bufvec** bufp, size_t size, off_t off, fuse_file_info* fi) {
  if (fs->layout == CallerLayout::libfuse319) return fs->op.read_buf(path, bufp, size, off, fi);
  compat::fuse_bufvec_30* theirs = nullptr;
  const int res = fs->op.read_buf(path, reinterpret_cast<fuse_bufvec**>(&theirs), size, off, fi);
  if (!theirs) return res;
  *bufp = compat::adopt_30(theirs);
  return *bufp || res != 0 ? res : -ENOMEM;
}

int call_write_buf(fuse_fs* fs, const char* path, fuse_bufvec* buf, off_t off, fuse_file_info* fi) {
  if (fs->layout == CallerLayout::libfuse319) return fs->op.write_buf(path, buf, off, fi);
  compat::Bufvec30 theirs(buf);
  return fs->op.write_buf(path, reinterpret_cast<fuse_bufvec*>(theirs.get()), off, fi);
}

}  // namespace

void free_bufvec(fuse_bufvec* vec) { compat::free_with_buffers(vec); }

int read_buf(fuse_fs* fs, const char* path, fuse_bufvec** bufp, size_t size, off_t off, fuse_file_info* fi) {
  if (fs->op.read_buf) return call_read_buf(fs, path, bufp, size, off, fi);
  if (!fs->op.read) return -ENOSYS;
  auto* vec = static_cast<fuse_bufvec*>(std::malloc(sizeof(fuse_bufvec)));
  // Page-aligned, so that a filesystem reading a file it opened with O_DIRECT
  // (passing the caller's flags on, as passthroughs do) can read into it.
  void* mem = nullptr;
  if (posix_memalign(&mem, kReadAlignment, size ? size : 1) != 0) mem = nullptr;
  if (!vec || !mem) {
    std::free(vec);
    std::free(mem);
    return -ENOMEM;
  }
  *vec = FUSE_BUFVEC_INIT(size);
  vec->buf[0].mem = mem;
  const int res = fs->op.read(path, static_cast<char*>(mem), size, off, fi);
  if (res < 0) {
    free_bufvec(vec);
    return res;
  }
  vec->buf[0].size = static_cast<size_t>(res);
  *bufp = vec;
  return 0;
}

int write_buf(fuse_fs* fs, const char* path, fuse_bufvec* buf, off_t off, fuse_file_info* fi) {
  if (fs->op.write_buf) return call_write_buf(fs, path, buf, off, fi);
  if (!fs->op.write) return -ENOSYS;
  const size_t size = compat::buf_size(buf);
  // One memory buffer goes straight through; anything else is gathered first.
  if (buf->count == 1 && buf->idx == 0 && buf->off == 0 && !(buf->buf[0].flags & FUSE_BUF_IS_FD))
    return fs->op.write(path, static_cast<const char*>(buf->buf[0].mem), buf->buf[0].size, off, fi);
  void* mem = std::malloc(size ? size : 1);
  if (!mem) return -ENOMEM;
  fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
  dst.buf[0].mem = mem;
  const ssize_t copied = compat::buf_copy(&dst, buf, kNoCopyFlags);
  const int res = copied < 0 ? static_cast<int>(copied)
                             : fs->op.write(path, static_cast<const char*>(mem), static_cast<size_t>(copied), off, fi);
  std::free(mem);
  return res;
}

}  // namespace uringfuse::highlevel

using namespace uringfuse::highlevel;

extern "C" {

int fuse_fs_read(fuse_fs* fs, const char* path, char* buf, size_t size, off_t off, fuse_file_info* fi) {
  if (fs->op.read) return fs->op.read(path, buf, size, off, fi);
  if (!fs->op.read_buf) return -ENOSYS;
  fuse_bufvec* vec = nullptr;
  int res = call_read_buf(fs, path, &vec, size, off, fi);
  if (res == 0 && vec) {
    fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
    dst.buf[0].mem = buf;
    res = static_cast<int>(uringfuse::compat::buf_copy(&dst, vec, kNoCopyFlags));
  }
  free_bufvec(vec);
  return res;
}

int fuse_fs_write(fuse_fs* fs, const char* path, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  if (fs->op.write) return fs->op.write(path, buf, size, off, fi);
  if (!fs->op.write_buf) return -ENOSYS;
  fuse_bufvec vec = FUSE_BUFVEC_INIT(size);
  vec.buf[0].mem = const_cast<char*>(buf);
  return call_write_buf(fs, path, &vec, off, fi);
}

}  // extern "C"
