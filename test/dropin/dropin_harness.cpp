#include "dropin_harness.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "../support/example_mount.hpp"

namespace uringfuse::test {

using namespace std::chrono_literals;

void PrintTo(const DropInTransport& t, std::ostream* os) { *os << t.name; }

std::string dropin_transport_name(const ::testing::TestParamInfo<DropInTransport>& info) { return info.param.name; }

std::vector<DropInTransport> dropin_transports() { return {{"dev", false, ""}, {"uring", true, ""}}; }

std::vector<DropInTransport> dropin_transports_for(const std::vector<std::string>& programs) {
  std::vector<DropInTransport> all;
  for (const std::string& program : programs) {
    const std::string file = program.substr(program.rfind('/') + 1);
    for (DropInTransport t : dropin_transports()) {
      t.name = file + "_" + t.name;
      t.program = program;
      all.push_back(t);
    }
  }
  return all;
}

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void DropInMount::SetUp() {
  URINGFUSE_REQUIRE_MOUNT_PREREQUISITES();
  if (GetParam().uring) {
    ASSERT_TRUE(enable_fuse_uring()) << "cannot enable FUSE-over-io_uring";
  }
}

void DropInMount::TearDown() {
  stop();
  if (watchdog_ && watchdog_->fired()) ADD_FAILURE() << "watchdog aborted a hung mount";
  watchdog_.reset();
  if (!mnt_.empty()) {
    EXPECT_FALSE(find_mount(mnt_).has_value()) << "mount left behind";
    force_unmount(mnt_);
  }
}

void DropInMount::require_program(const std::string& path) {
  if (::access(path.c_str(), X_OK) == 0) return;
  if (running_in_ci()) FAIL() << path << " is not installed (test/install-deps.sh installs it)";
  GTEST_SKIP() << "not installed: " << path;
}

void DropInMount::start(const std::string& program, const std::vector<std::string>& args, const std::string& mnt) {
  mnt_ = mnt;
  watchdog_.emplace(mnt_, 60s);
  // env(1) sets the variables for the program alone; exec keeps the PID.
  std::vector<std::string> argv{"LD_LIBRARY_PATH=" + library_dir_};
  if (GetParam().uring) {
    argv.push_back("FUSE_URING_ENABLE=1");
    argv.push_back("FUSE_URING_QUEUE_DEPTH=" + std::to_string(kDropInQueueDepth));
  } else {
    argv.push_back("FUSE_URING_ENABLE=0");
  }
  argv.push_back(program);
  argv.insert(argv.end(), args.begin(), args.end());
  daemon_.emplace("/usr/bin/env", argv, dir_.sub("daemon.log"));
  ASSERT_TRUE(wait_for_mount(mnt_, true, 10s)) << program << " did not mount; it said:\n" << daemon_->output();

  // The loader must have taken our library, not the system's.
  std::string maps = read_text("/proc/" + std::to_string(daemon_->pid()) + "/maps");
  const std::string ours = library_dir_ + "/" + library_file_;
  EXPECT_NE(maps.find(ours), std::string::npos) << program << " did not load " << ours;
  EXPECT_EQ(maps.find(system_library_), std::string::npos) << program << " loaded " << system_library_ << " too";

  if (GetParam().uring) {
    ASSERT_TRUE(wait_for_uring(*daemon_)) << "not served over io_uring:\n" << daemon_->output();
    std::string depth = " x " + std::to_string(kDropInQueueDepth) + " entries";
    EXPECT_NE(daemon_->output().find(depth), std::string::npos)
        << "FUSE_URING_QUEUE_DEPTH was not honoured:\n" << daemon_->output();
    on_uring_ = true;
  } else {
    EXPECT_EQ(daemon_->output().find("serving over io_uring"), std::string::npos) << daemon_->output();
  }
}

void DropInMount::stop() {
  if (!daemon_) return;
  for (const auto& problem : stop_with_sigterm(*daemon_, mnt_, on_uring_)) ADD_FAILURE() << problem;
  daemon_.reset();
  on_uring_ = false;
}

}  // namespace uringfuse::test
