// receive_buf/process_buf and custom io: requests read by the caller (or by the
// caller's transport) are handed to the session's connection one at a time.
#include "compat/compat_custom_io.hpp"
#include "compat/layout_entry_points.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace uringfuse::compat {

int loop_over_custom_io(fuse_session* se) {
  fuse_buf buf{};
  int res = 0;
  while (!fuse_session_exited(se)) {
    res = receive_buf(se, &buf);
    if (res == -EINTR) continue;
    if (res <= 0) break;
    process_buf(se, &buf);
  }
  free(buf.mem);
  if (se->session) se->session->finish_connection();
  return res < 0 ? res : se->stop_signal.load();
}

int receive_buf(fuse_session* se, fuse_buf* buf) {
  if (!se->session) return -ENOTCONN;
  std::size_t size = se->session->request_buffer_size();
  if (!buf->mem || buf->mem_size < size) {
    void* mem = realloc(buf->mem, size);
    if (!mem) return -ENOMEM;
    buf->mem = mem;
    buf->mem_size = size;
  }
  int fd = fuse_session_fd(se);
  for (;;) {
    ssize_t n = se->custom_io ? se->custom_io->read(fd, buf->mem, size, se->custom_io_userdata)
                              : ::read(fd, buf->mem, size);
    int err = n < 0 ? errno : 0;
    if (n < 0 && (err == EINTR || err == EAGAIN || err == ENOENT)) {
      if (fuse_session_exited(se)) return 0;
      if (err == EINTR) return -EINTR;
      continue;  // an interrupted request, or nothing yet: read again
    }
    if (n < 0 && err == ENODEV) {  // unmounted
      fuse_session_exit(se);
      return 0;
    }
    if (n < 0) return -err;
    if (n == 0) return 0;
    buf->size = static_cast<std::size_t>(n);
    buf->flags = static_cast<fuse_buf_flags>(0);
    return static_cast<int>(n);
  }
}

void process_buf(fuse_session* se, const fuse_buf* buf) {
  if (!se->session || !buf->mem) return;
  se->session->process_request(std::span(static_cast<const std::byte*>(buf->mem), buf->size),
                               se->custom_target.get());
}

}  // namespace uringfuse::compat
