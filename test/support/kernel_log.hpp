// What the kernel said about FUSE while a test ran: /dev/kmsg from the moment the
// watch starts. In normal operation the kernel logs nothing about a connection; a
// line such as "fuse: unique mismatch" or "qid=1 commit_id 42 not found" means a
// reply took one of its error paths, so mount tests fail on it.
#pragma once

#include <string>
#include <vector>

namespace uringfuse::test {

class KernelLogWatch {
 public:
  KernelLogWatch();  // from now on; unreadable /dev/kmsg: watches nothing, says so
  ~KernelLogWatch();
  KernelLogWatch(const KernelLogWatch&) = delete;
  KernelLogWatch& operator=(const KernelLogWatch&) = delete;

  // The FUSE lines logged since the watch started (or the last call).
  std::vector<std::string> fuse_lines();
  bool watching() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// True for a kernel log message from FUSE (fs/fuse prefixes its lines "fuse: ";
// the io_uring code also logs bare "qid=..." lines).
bool is_fuse_kernel_line(const std::string& message);

}  // namespace uringfuse::test
