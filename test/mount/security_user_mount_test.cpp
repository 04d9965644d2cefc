// The unprivileged path on real mounts: the passthrough run as uid 65534 mounts
// through the setuid fusermount3, serves its user (and nobody else, root included),
// unmounts on SIGTERM and, with auto_unmount, after SIGKILL; and allow_other needs
// user_allow_other in /etc/fuse.conf. The daemon runs in a private mount namespace
// with a 0666 /dev/fuse (test/support/user_mount.hpp): the host's stays as it is.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "../support/fs_target.hpp"
#include "../support/user_mount.hpp"
#include "mount/mount.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

// The kernel's FUSE serves the mount's owner only (no allow_other) unless this module
// parameter lets CAP_SYS_ADMIN in too.
bool sys_admin_may_access_user_mounts() {
  std::ifstream in("/sys/module/fuse/parameters/allow_sys_admin_access");
  std::string v;
  return in >> v && v == "Y";
}

// Aborts a FUSE connection if the test body outlives the deadline (the harness's
// Watchdog looks for the mount in our namespace, where this one is not).
class ConnectionDeadline {
 public:
  ConnectionDeadline(unsigned connection, std::chrono::seconds deadline)
      : thread_([this, connection, deadline] {
          std::unique_lock lock(mutex_);
          if (cv_.wait_for(lock, deadline, [this] { return done_; })) return;
          fired_ = true;
          detail::abort_connection(connection);
        }) {}
  ~ConnectionDeadline() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() {
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false, fired_ = false;
  std::thread thread_;
};

template <class Base>
class UserMountTest : public Base {
 protected:
  void SetUp() override {
    URINGFUSE_REQUIRE_MOUNT_PREREQUISITES();
    // Not a kernel prerequisite: the fuse3 package is part of the test dependencies.
    ASSERT_EQ(fusermount3_missing(), "");
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);  // the user must reach mnt
    for (const std::string& d : {src_, mnt_}) {
      ASSERT_EQ(::mkdir(d.c_str(), 0755), 0);
      ASSERT_EQ(::chown(d.c_str(), kNobody, kNogroup), 0);
    }
    ASSERT_TRUE(make_fuse_device_node(node_)) << std::strerror(errno);
  }

  void TearDown() override {
    if (deadline_ && deadline_->fired()) ADD_FAILURE() << "deadline aborted a hung mount";
    deadline_.reset();
    if (daemon_) {
      daemon_->signal(SIGTERM);
      if (!daemon_->wait(10s) && connection_) detail::abort_connection(connection_);
    }
    daemon_.reset();   // SIGKILLed and reaped if still running
    witness_.reset();  // the last member: the namespace and whatever is mounted in it go
    EXPECT_FALSE(find_mount(mnt_).has_value()) << "a mount leaked into the host namespace";
  }

  // Starts `passthrough -f --timeout=0 args... src mnt` as 65534 in its own namespace.
  void start_as_user(std::vector<std::string> args) {
    if (asks_for_io_uring(args)) {
      ASSERT_TRUE(enable_fuse_uring());
    }
    args.insert(args.begin(), {"-f", "--timeout=0"});
    args.insert(args.end(), {src_, mnt_});
    const char* node = node_.c_str();
    daemon_.emplace(example_binary("passthrough"), args, dir_.sub("daemon.log"), [node] {
      return enter_private_fuse_namespace(node) && drop_privileges(kNobody, kNogroup);
    });
  }

  // Waits for the mount in the daemon's namespace and starts watching it.
  void wait_until_mounted() {
    const std::string info = "/proc/" + std::to_string(daemon_->pid()) + "/mountinfo";
    ASSERT_TRUE(wait_for_mount_in(info, mnt_, true, 10s)) << "not mounted:\n" << daemon_->output();
    witness_.emplace(daemon_->pid());
    ASSERT_TRUE(witness_->ok());
    auto m = find_mount_in(witness_->mountinfo(), mnt_);
    ASSERT_TRUE(m.has_value());
    entry_ = *m;
    connection_ = m->minor;  // fuse mounts have major 0: the minor is the fusectl id
    deadline_.emplace(connection_, 30s);
  }

  // Runs `fn` in a child inside the daemon's namespace, as `uid` (nullopt: as root).
  ChildResult in_namespace(const std::function<const char*()>& fn, std::optional<uid_t> uid) {
    const std::string ns = witness_->ns_path();
    return run_in_child(
        [&]() -> const char* {
          if (!join_mount_namespace(ns.c_str())) return "setns failed";
          if (uid && !drop_privileges(*uid, *uid)) return "dropping privileges failed";
          return fn();
        },
        std::nullopt, 0, 10s);
  }

  TempDir dir_;
  const std::string src_ = dir_.sub("src"), mnt_ = dir_.sub("mnt"), node_ = dir_.sub("fuse-dev");
  std::optional<Process> daemon_;
  std::optional<NamespaceWitness> witness_;
  std::optional<ConnectionDeadline> deadline_;
  MountEntry entry_;
  unsigned connection_ = 0;
};

class SecurityUserMount : public UserMountTest<::testing::TestWithParam<Transport>> {
 protected:
  void start(std::vector<std::string> extra) {
    auto args = GetParam().args;
    args.insert(args.end(), extra.begin(), extra.end());
    start_as_user(std::move(args));
    wait_until_mounted();
    if (!HasFatalFailure() && GetParam().uring()) {
      ASSERT_TRUE(wait_for_uring(*daemon_)) << daemon_->output();
    }
  }
  std::string path(const std::string& rel) const { return mnt_ + "/" + rel; }
};

TEST_P(SecurityUserMount, MountsThroughFusermount3AndServesOnlyItsUser) {
  start({});
  if (HasFatalFailure()) return;
  for (const char* opt : {"user_id=65534", "group_id=65534", "nosuid", "nodev"})
    EXPECT_NE(("," + entry_.options + ",").find(std::string(",") + opt + ","), std::string::npos)
        << opt << " missing from " << entry_.options;
  EXPECT_EQ(("," + entry_.options + ",").find(",allow_other,"), std::string::npos) << entry_.options;

  const std::string f = path("f"), d = path("d");
  EXPECT_TRUE(ChildOk(in_namespace([&]() -> const char* {
    int fd = ::open(f.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return "create failed";
    if (::write(fd, "mine", 4) != 4) return "write failed";
    char buf[4] = {};
    if (::pread(fd, buf, 4, 0) != 4 || std::memcmp(buf, "mine", 4) != 0) return "read back failed";
    ::close(fd);
    if (::mkdir(d.c_str(), 0755) != 0) return "mkdir failed";
    return nullptr;
  }, kNobody)));
  struct stat st {};
  ASSERT_EQ(::stat((src_ + "/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kNobody);

  const bool admin_allowed = sys_admin_may_access_user_mounts();
  EXPECT_TRUE(ChildOk(in_namespace([&]() -> const char* {
    struct stat s {};
    int rc = ::stat(f.c_str(), &s);
    if (admin_allowed) return rc == 0 ? nullptr : "root refused although allow_sys_admin_access=Y";
    if (rc == 0) return "root was served on a user's mount without allow_other";
    return errno == EACCES ? nullptr : "root's stat failed, but not with EACCES";
  }, std::nullopt)));

  daemon_->signal(SIGTERM);
  auto status = daemon_->wait(10s);
  ASSERT_TRUE(status.has_value()) << "daemon still running 10 s after SIGTERM";
  EXPECT_EQ(*status, 0) << daemon_->output();
  EXPECT_TRUE(wait_for_mount_in(witness_->mountinfo(), mnt_, false, 5s)) << "mount left behind";
  if (GetParam().uring()) {
    EXPECT_GT(uring_requests_served(daemon_->output()), 0) << daemon_->output();
  }
}

// auto_unmount without privileges. The library's watcher (lib/mount/
// auto_unmount_watcher.cpp) must abort the connection as the user, so callers get
// ENOTCONN at once, over io_uring too, and then remove the mount: fusermount3 before
// 3.15 (Debian 12 has 3.14) checks the dead mount with open() as root, which the
// kernel refuses on a user's mount without allow_other (EACCES, not ENOTCONN), so it
// never unmounts by itself (libfuse issue #586); the watcher runs fusermount3 -u.
TEST_P(SecurityUserMount, AutoUnmountAfterSigkillUnprivileged) {
  start({"-o", "auto_unmount"});
  if (HasFatalFailure()) return;
  const std::string f = path("f");
  EXPECT_TRUE(ChildOk(in_namespace([&]() -> const char* {
    int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return "create failed";
    ::close(fd);
    return nullptr;
  }, kNobody)));
  deadline_.reset();
  daemon_->signal(SIGKILL);
  ASSERT_TRUE(daemon_->wait(10s).has_value());
  EXPECT_TRUE(ChildOk(in_namespace([&]() -> const char* {
    struct stat st {};
    for (int i = 0; i < 500; ++i) {  // up to 5 s for the watcher
      if (::stat(f.c_str(), &st) != 0 && (errno == ENOTCONN || errno == ENOENT)) return nullptr;
      ::usleep(10'000);
    }
    return "the dead daemon's connection was not aborted";
  }, kNobody)));
  EXPECT_TRUE(wait_for_mount_in(witness_->mountinfo(), mnt_, false, 10s))
      << "auto_unmount left the mount behind:\n" << daemon_->output();
}

INSTANTIATE_TEST_SUITE_P(Transports, SecurityUserMount, ::testing::ValuesIn(all_transports()),
                         transport_name);

class SecurityUserMountOptions : public UserMountTest<::testing::Test> {};

// fusermount3's rule, reported in one line; the test never edits /etc/fuse.conf, so
// it checks whichever way the machine is configured.
TEST_F(SecurityUserMountOptions, AllowOtherNeedsUserAllowOther) {
  start_as_user({"-o", "allow_other"});
  if (fuse_conf_allows_other()) {
    wait_until_mounted();
    return;
  }
  auto status = daemon_->wait(10s);
  ASSERT_TRUE(status.has_value()) << "daemon did not give up";
  EXPECT_EQ(*status, 1);
  const std::string out = daemon_->output();
  EXPECT_NE(out.find("uringfuse: mountpoint " + mnt_ +
                     ": fusermount3: option allow_other only allowed if 'user_allow_other' is set "
                     "in /etc/fuse.conf"),
            std::string::npos)
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "not one line:\n" << out;
}

}  // namespace
}  // namespace uringfuse::test
