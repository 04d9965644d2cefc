// fuse_buf_copy: memory and fd buffers in any combination, with read/write or
// pread/pwrite (FD_SEEK); splice is not used (uringfuse never hands out pipes).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "compat/compat_types.hpp"
#include "compat/layout_entry_points.hpp"

namespace {

const fuse_buf* current(const fuse_bufvec* v) { return v->idx < v->count ? &v->buf[v->idx] : nullptr; }

void advance(fuse_bufvec* v, std::size_t n) {
  v->off += n;
  if (v->off == v->buf[v->idx].size) {
    ++v->idx;
    v->off = 0;
  }
}

ssize_t read_fd(const fuse_buf& b, std::size_t off, void* dst, std::size_t n) {
  for (;;) {
    ssize_t r = (b.flags & FUSE_BUF_FD_SEEK) ? ::pread(b.fd, dst, n, b.pos + static_cast<off_t>(off))
                                            : ::read(b.fd, dst, n);
    if (r < 0 && errno == EINTR) continue;
    return r < 0 ? -errno : r;
  }
}

ssize_t write_fd(const fuse_buf& b, std::size_t off, const void* src, std::size_t n) {
  for (;;) {
    ssize_t r = (b.flags & FUSE_BUF_FD_SEEK) ? ::pwrite(b.fd, src, n, b.pos + static_cast<off_t>(off))
                                            : ::write(b.fd, src, n);
    if (r < 0 && errno == EINTR) continue;
    return r < 0 ? -errno : r;
  }
}

// Copies up to `n` bytes of one buffer pair; returns bytes copied or -errno.
ssize_t copy_one(const fuse_buf& d, std::size_t doff, const fuse_buf& s, std::size_t soff, std::size_t n) {
  bool dfd = d.flags & FUSE_BUF_IS_FD, sfd = s.flags & FUSE_BUF_IS_FD;
  if (!dfd && !sfd) {
    std::memmove(static_cast<char*>(d.mem) + doff, static_cast<const char*>(s.mem) + soff, n);
    return static_cast<ssize_t>(n);
  }
  if (!dfd) return read_fd(s, soff, static_cast<char*>(d.mem) + doff, n);
  if (!sfd) return write_fd(d, doff, static_cast<const char*>(s.mem) + soff, n);
  std::vector<char> tmp(std::min<std::size_t>(n, 1 << 20));
  ssize_t r = read_fd(s, soff, tmp.data(), tmp.size());
  if (r <= 0) return r;
  return write_fd(d, doff, tmp.data(), static_cast<std::size_t>(r));
}

}  // namespace

namespace uringfuse::compat {

size_t buf_size(const fuse_bufvec* bufv) {
  std::size_t size = 0;
  for (std::size_t i = 0; i < bufv->count; ++i) size += bufv->buf[i].size;
  return size;
}

ssize_t buf_copy(fuse_bufvec* dst, fuse_bufvec* src, enum fuse_buf_copy_flags) {
  std::size_t copied = 0;
  while (const fuse_buf* s = current(src)) {
    const fuse_buf* d = current(dst);
    if (!d) break;
    std::size_t n = std::min(s->size - src->off, d->size - dst->off);
    if (n == 0) break;
    ssize_t r = copy_one(*d, dst->off, *s, src->off, n);
    if (r < 0) return copied ? static_cast<ssize_t>(copied) : r;
    copied += static_cast<std::size_t>(r);
    advance(src, static_cast<std::size_t>(r));
    advance(dst, static_cast<std::size_t>(r));
    if (static_cast<std::size_t>(r) < n) break;  // end of file or a short write
  }
  return static_cast<ssize_t>(copied);
}

}  // namespace uringfuse::compat
