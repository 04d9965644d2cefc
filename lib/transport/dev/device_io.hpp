// The two calls the /dev/fuse transport makes on the device, as a seam for tests
// that inject faults (EINTR, ENODEV, short writes...). Production passes none: the
// transport then calls read(2) and writev(2) directly, behind one predictable branch
// and with no indirect call.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>

namespace uringfuse::detail {

class DeviceIo {
 public:
  virtual ~DeviceIo() = default;
  // As read(2) and writev(2): the byte count, or -1 with errno set.
  virtual ssize_t read(int fd, void* buf, std::size_t size) = 0;
  virtual ssize_t writev(int fd, iovec* parts, int count) = 0;
};

}  // namespace uringfuse::detail
