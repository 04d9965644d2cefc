// Runs a Debian-built FUSE program, unchanged, on our libfuse3.so.3 (the drop-in
// in <builddir>/lib/libfuse3; or libfuse.so.2 in lib/libfuse2) through LD_LIBRARY_PATH, over /dev/fuse or, with
// FUSE_URING_ENABLE=1, over io_uring; checks that the program really loaded our
// library and, over io_uring, that the ring carried its requests.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "../support/mount_harness.hpp"

namespace uringfuse::test {

struct DropInTransport {
  std::string name;
  bool uring = false;
  std::string program;  // for a suite run against several binaries; empty otherwise
};
void PrintTo(const DropInTransport& t, std::ostream* os);
std::string dropin_transport_name(const ::testing::TestParamInfo<DropInTransport>& info);
std::vector<DropInTransport> dropin_transports();
// Each of `programs` over each transport, named <program's file name>_<transport>.
std::vector<DropInTransport> dropin_transports_for(const std::vector<std::string>& programs);

// The ring depth asked for through FUSE_URING_QUEUE_DEPTH over io_uring: not our
// default, so the daemon's log shows the variable was read.
inline constexpr unsigned kDropInQueueDepth = 8;

class DropInMount : public ::testing::TestWithParam<DropInTransport> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Fails (under CI) or skips when a Debian program the test runs is not installed;
  // called from SetUp, either keeps the test body from running.
  void require_program(const std::string& path);
  // Starts `program args... ` under our library and waits for the mount on `mnt`.
  void start(const std::string& program, const std::vector<std::string>& args, const std::string& mnt);
  // SIGTERM, as a user would stop it; the program must unmount and exit.
  void stop();
  // The next start() runs the program on our libfuse.so.2 instead (a FUSE 2 program).
  void use_fuse2_dropin() {
    library_dir_ = LIBFUSE2_DIR;
    library_file_ = "libfuse.so.2";
    system_library_ = "/usr/lib/x86_64-linux-gnu/libfuse.so.2";
  }

  // The drop-in the program is started on, and the system library it replaces
  // (libfuse3.so.3 unless use_fuse2_dropin() was called).
  std::string library_dir_ = LIBFUSE3_DIR;
  std::string library_file_ = "libfuse3.so.3";
  std::string system_library_ = "/usr/lib/x86_64-linux-gnu/libfuse3.so";

  TempDir dir_;
  std::optional<Process> daemon_;
  std::optional<Watchdog> watchdog_;
  std::string mnt_;
  bool on_uring_ = false;
};

}  // namespace uringfuse::test
