// The hello example mounted for real, over every transport: read, stat, list,
// statfs, refused writes, and a clean exit on SIGTERM or external unmount.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "../support/example_mount.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

class HelloMount : public ExampleMount<::testing::TestWithParam<Transport>> {
 protected:
  void SetUp() override {
    ExampleMount::SetUp();
    if (!IsSkipped() && !HasFatalFailure()) start({});
  }
  void start(std::vector<std::string> extra) {
    std::vector<std::string> args = GetParam().args;
    args.insert(args.end(), extra.begin(), extra.end());
    start_daemon("hello", args);
  }
  // Restarts the daemon with more arguments.
  void restart(std::vector<std::string> extra) {
    stop_daemon();
    start(std::move(extra));
  }
};

TEST_P(HelloMount, ReadsTheFile) {
  auto text = read_file(mnt_ + "/hello");
  ASSERT_TRUE(text.has_value()) << std::strerror(errno);
  EXPECT_EQ(*text, "Hello from uringfuse!\n");
  // A read at an offset, through pread.
  int fd = ::open((mnt_ + "/hello").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[8] = {};
  EXPECT_EQ(::pread(fd, buf, 4, 6), 4);
  EXPECT_EQ(std::string(buf, 4), "from");
  EXPECT_EQ(::pread(fd, buf, 4, 1000), 0);
  ::close(fd);
}

TEST_P(HelloMount, StatsRootAndFile) {
  struct stat st {};
  ASSERT_EQ(::stat(mnt_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ASSERT_EQ(::stat((mnt_ + "/hello").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_size, 22);
  EXPECT_EQ(st.st_ino, 2u);
  EXPECT_EQ(::stat((mnt_ + "/nope").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST_P(HelloMount, ListsTheDirectory) {
  DIR* d = ::opendir(mnt_.c_str());
  ASSERT_NE(d, nullptr);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "hello"}));
}

TEST_P(HelloMount, Statfs) {
  struct statvfs st {};
  ASSERT_EQ(::statvfs(mnt_.c_str(), &st), 0);
  EXPECT_EQ(st.f_namemax, 255u);
}

TEST_P(HelloMount, WritesAreRefused) {
  errno = 0;
  EXPECT_EQ(::open((mnt_ + "/hello").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EACCES);
  EXPECT_EQ(::open((mnt_ + "/new").c_str(), O_WRONLY | O_CREAT, 0644), -1);
  EXPECT_EQ(errno, ENOSYS);  // hello implements no create
  EXPECT_EQ(::mkdir((mnt_ + "/d").c_str(), 0755), -1);
  EXPECT_EQ(errno, ENOSYS);
}

TEST_P(HelloMount, ShowsInMountTable) {
  auto m = find_mount(mnt_);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->fstype, "fuse.hello");  // libfuse's default: fuse.<program>
  EXPECT_EQ(m->source, "hello");
  EXPECT_NE(m->options.find("nosuid"), std::string::npos);
  EXPECT_NE(m->options.find("nodev"), std::string::npos);
}

TEST_P(HelloMount, SigtermUnmountsAndExitsCleanly) {
  daemon_->signal(SIGTERM);
  auto status = daemon_->wait(10s);
  ASSERT_TRUE(status.has_value()) << "daemon did not exit on SIGTERM";
  EXPECT_EQ(*status, 0) << daemon_->output();
  EXPECT_TRUE(wait_for_mount(mnt_, false, 5s));
}

TEST_P(HelloMount, SigintAndSighupToo) {
  for (int sig : {SIGINT, SIGHUP}) {
    daemon_->signal(sig);
    auto status = daemon_->wait(10s);
    ASSERT_TRUE(status.has_value()) << "no exit on signal " << sig;
    EXPECT_EQ(*status, 0);
    EXPECT_TRUE(wait_for_mount(mnt_, false, 5s));
    if (sig == SIGINT) restart({});
  }
}

TEST_P(HelloMount, ExternalUnmountEndsTheDaemon) {
  ASSERT_EQ(::umount2(mnt_.c_str(), 0), 0) << std::strerror(errno);
  auto status = daemon_->wait(10s);
  ASSERT_TRUE(status.has_value()) << "daemon did not notice the unmount";
  EXPECT_EQ(*status, 0) << daemon_->output();
}

TEST_P(HelloMount, SigtermWhileBusyStillEnds) {
  // An open file keeps the mount busy: the daemon detaches and aborts instead.
  int fd = ::open((mnt_ + "/hello").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  daemon_->signal(SIGTERM);
  auto status = daemon_->wait(15s);
  ::close(fd);
  ASSERT_TRUE(status.has_value()) << "daemon hung on a busy mount";
  EXPECT_TRUE(wait_for_mount(mnt_, false, 5s));
}

TEST_P(HelloMount, DebugTracesEveryRequestWithItsTransport) {
  restart({"-d"});
  ASSERT_TRUE(read_file(mnt_ + "/hello").has_value());
  daemon_->signal(SIGTERM);
  ASSERT_TRUE(daemon_->wait(10s).has_value());
  std::string log = daemon_->output();
  EXPECT_NE(log.find("INIT 7."), std::string::npos) << log;
  EXPECT_NE(log.find("LOOKUP nodeid=1"), std::string::npos) << log;
  EXPECT_NE(log.find("name=hello"), std::string::npos) << log;
  EXPECT_NE(log.find("READ nodeid=2"), std::string::npos) << log;
  EXPECT_NE(log.find(GetParam().via), std::string::npos) << log;
  EXPECT_NE(log.find("reply #"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Transports, HelloMount, ::testing::ValuesIn(all_transports()),
                         transport_name);

}  // namespace
}  // namespace uringfuse::test
