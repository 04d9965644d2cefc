// /dev/kmsg gives one record per read(2): "prio,seq,usec,flags;message\n...".
#include "kernel_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace uringfuse::test {

KernelLogWatch::KernelLogWatch() {
  fd_ = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ >= 0) ::lseek(fd_, 0, SEEK_END);  // only what is logged from now on
}

KernelLogWatch::~KernelLogWatch() {
  if (fd_ >= 0) ::close(fd_);
}

bool is_fuse_kernel_line(const std::string& message) {
  return message.rfind("fuse:", 0) == 0 || message.rfind("fuse ", 0) == 0 ||
         message.find("fuse-io-uring") != std::string::npos || message.rfind("qid=", 0) == 0 ||
         message.find("FUSE_IO_URING") != std::string::npos;
}

std::vector<std::string> KernelLogWatch::fuse_lines() {
  std::vector<std::string> lines;
  if (fd_ < 0) return lines;
  char record[8192];
  for (;;) {
    ssize_t n = ::read(fd_, record, sizeof record - 1);
    if (n < 0 && errno == EPIPE) continue;  // records were overwritten: go on with the next
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;                      // EAGAIN: nothing more
    std::string r(record, static_cast<std::size_t>(n));
    auto semi = r.find(';');
    if (semi == std::string::npos) continue;
    std::string message = r.substr(semi + 1);
    if (auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
    if (is_fuse_kernel_line(message)) lines.push_back(message);
  }
  return lines;
}

}  // namespace uringfuse::test
