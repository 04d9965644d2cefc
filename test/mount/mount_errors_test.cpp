// What a user sees when mounting cannot work: one line naming the path or option and
// the reason, exit status 1, and nothing mounted.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <algorithm>
#include <fstream>

#include "../support/example_mount.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

class MountErrors : public ::testing::Test {
 protected:
  void SetUp() override { URINGFUSE_REQUIRE_MOUNT_PREREQUISITES(); }
  // Runs hello to completion; returns its exit status and output.
  std::pair<int, std::string> run(std::vector<std::string> args) {
    Process p(example_binary("hello"), args, dir_.sub("out-" + std::to_string(++runs_) + ".log"));
    auto status = p.wait(10s);
    EXPECT_TRUE(status.has_value()) << "hello did not exit";
    return {status.value_or(-1), p.output()};
  }
  static int lines(const std::string& s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }
  TempDir dir_;
  int runs_ = 0;
};

TEST_F(MountErrors, MissingMountpoint) {
  std::string mp = dir_.sub("does-not-exist");
  auto [status, out] = run({"-f", mp});
  EXPECT_EQ(status, 1);
  EXPECT_EQ(lines(out), 1) << out;
  EXPECT_NE(out.find(mp), std::string::npos) << out;
  EXPECT_NE(out.find("No such file or directory"), std::string::npos) << out;
}

TEST_F(MountErrors, MountpointIsAFile) {
  std::string mp = dir_.sub("file");
  std::ofstream(mp) << "x";
  auto [status, out] = run({"-f", mp});
  EXPECT_EQ(status, 1);
  EXPECT_EQ(lines(out), 1) << out;
  EXPECT_NE(out.find(mp), std::string::npos) << out;
  EXPECT_NE(out.find("Not a directory"), std::string::npos) << out;
  EXPECT_FALSE(find_mount(mp).has_value());
}

TEST_F(MountErrors, MountpointAlreadyInUse) {
  std::string mp = dir_.sub("mnt");
  ASSERT_EQ(::mkdir(mp.c_str(), 0755), 0);
  Process first(example_binary("hello"), {"-f", mp}, dir_.sub("first.log"));
  ASSERT_TRUE(wait_for_mount(mp, true, 10s)) << first.output();
  Watchdog dog(mp, std::chrono::seconds(30));
  auto [status, out] = run({"-f", mp});
  EXPECT_EQ(status, 1);
  EXPECT_EQ(lines(out), 1) << out;
  EXPECT_NE(out.find(mp), std::string::npos) << out;
  EXPECT_NE(out.find("already"), std::string::npos) << out;
  first.signal(SIGTERM);
  EXPECT_TRUE(first.wait(10s).has_value());
  force_unmount(mp);
  EXPECT_FALSE(find_mount(mp).has_value());
}

TEST_F(MountErrors, UnknownOptionIsNamed) {
  auto [status, out] = run({"-o", "frobnicate", dir_.path()});
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("unknown option '-o frobnicate'"), std::string::npos) << out;
  EXPECT_FALSE(find_mount(dir_.path()).has_value());
}

TEST_F(MountErrors, MissingArgument) {
  auto [status, out] = run({"-f"});
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("missing <mountpoint>"), std::string::npos) << out;
}

TEST_F(MountErrors, HelpAndVersionExitZero) {
  auto [hs, help] = run({"-h"});
  EXPECT_EQ(hs, 0);
  EXPECT_NE(help.find("usage: hello"), std::string::npos);
  auto [vs, version] = run({"-V"});
  EXPECT_EQ(vs, 0);
  EXPECT_NE(version.find("uringfuse"), std::string::npos);
}

// Without -f the command returns once the mount is ready, like libfuse daemons.
TEST_F(MountErrors, DaemonModeReturnsWhenMounted) {
  std::string mp = dir_.sub("bg");
  ASSERT_EQ(::mkdir(mp.c_str(), 0755), 0);
  auto [status, out] = run({mp});
  EXPECT_EQ(status, 0) << out;
  ASSERT_TRUE(find_mount(mp).has_value());
  Watchdog dog(mp, std::chrono::seconds(30));
  EXPECT_EQ(read_file(mp + "/hello").value_or(""), "Hello from uringfuse!\n");
  ASSERT_EQ(::umount2(mp.c_str(), 0), 0);  // the detached daemon then exits on its own
  EXPECT_FALSE(find_mount(mp).has_value());
}

}  // namespace
}  // namespace uringfuse::test
