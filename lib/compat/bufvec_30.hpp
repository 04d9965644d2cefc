// struct fuse_buf and fuse_bufvec as libfuse 3.0-3.16 lay them out (ours, like
// 3.17+, end each fuse_buf with mem_size, so a vector of them has a longer
// stride), and the conversions between the two. The libfuse3.so.3 drop-in needs
// them where its callers hand it a bufvec, and the high-level API where a path
// filesystem built against 3.14 returns one from read_buf or takes one in write_buf.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <vector>

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 319
#endif
#include "uringfuse/fuse3/fuse_lowlevel.h"

namespace uringfuse::compat {

struct fuse_buf_30 {
  size_t size;
  enum fuse_buf_flags flags;
  void* mem;
  int fd;
  off_t pos;
};
struct fuse_bufvec_30 {
  size_t count;
  size_t idx;
  size_t off;
  fuse_buf_30 buf[1];
};
static_assert(sizeof(fuse_buf_30) == 40 && offsetof(fuse_buf_30, pos) == offsetof(fuse_buf, pos));
static_assert(offsetof(fuse_bufvec_30, buf) == offsetof(fuse_bufvec, buf));

inline fuse_buf from_30(const fuse_buf_30& b, size_t mem_size = 0) {
  return fuse_buf{b.size, b.flags, b.mem, b.fd, b.pos, mem_size};
}
inline fuse_buf_30 to_30(const fuse_buf& b) { return fuse_buf_30{b.size, b.flags, b.mem, b.fd, b.pos}; }

// Frees a read_buf result of either layout: the vector and its memory (not fd) buffers.
template <typename Vec>
void free_with_buffers(Vec* v) {
  if (!v) return;
  for (size_t i = 0; i < v->count; ++i)
    if (!(v->buf[i].flags & FUSE_BUF_IS_FD)) std::free(v->buf[i].mem);
  std::free(v);
}

// A bufvec of one layout seen in the other for the length of one call; the
// position (idx and off, which a copy advances) goes back to the caller's struct
// at the end. Up to four buffers live on the stack: a read reply is one, and it
// is on the hot path.
template <typename From, typename To>
class BufvecView {
 public:
  explicit BufvecView(From* theirs);
  ~BufvecView() {
    if (!theirs_) return;
    theirs_->idx = ours_->idx;
    theirs_->off = ours_->off;
  }
  BufvecView(const BufvecView&) = delete;
  BufvecView& operator=(const BufvecView&) = delete;

  To* get() { return theirs_ ? ours_ : nullptr; }

 private:
  From* theirs_;
  To* ours_ = nullptr;
  alignas(To) std::byte inline_[offsetof(fuse_bufvec, buf) + 4 * sizeof(fuse_buf)];
  std::vector<To> heap_;
};

// A 3.0-layout bufvec seen in ours, and ours seen in 3.0's.
using NativeBufvec = BufvecView<fuse_bufvec_30, fuse_bufvec>;
using Bufvec30 = BufvecView<fuse_bufvec, fuse_bufvec_30>;

// A bufvec that read_buf malloc()ed in one layout, moved into a malloc()ed one of
// the other: the buffers change owner, the old vector is freed. nullptr (with the
// old vector and its buffers freed) when memory runs out.
fuse_bufvec* adopt_30(fuse_bufvec_30* theirs);
fuse_bufvec_30* export_30(fuse_bufvec* ours);

}  // namespace uringfuse::compat
