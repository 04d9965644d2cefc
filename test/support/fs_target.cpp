// Native and passthrough targets for the POSIX behaviour tests.
#include "fs_target.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <thread>

namespace uringfuse::test {

using namespace std::chrono_literals;

std::vector<TargetKind> all_targets() {
  std::vector<TargetKind> out;
  out.push_back({"Native", false, {}, false});
  for (const Transport& t : all_transports()) out.push_back({"Passthrough_" + t.name, true, t, false});
  for (const Transport& t : all_transports()) out.push_back({"PathPassthrough_" + t.name, true, t, true});
  return out;
}

std::string target_name(const ::testing::TestParamInfo<TargetKind>& info) { return info.param.name; }

void PrintTo(const TargetKind& kind, std::ostream* os) { *os << kind.name; }

FsTarget::~FsTarget() {
  if (!stopped_) stop();
}

void FsTarget::start(const TargetKind& kind) {
  stopped_ = false;
  // mkdtemp makes the directory 0700; another uid must be able to walk into it.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0777), 0) << std::strerror(errno);
  if (!kind.passthrough) {
    root_ = dir_.path();
    return;
  }
  src_ = dir_.sub("src");
  mnt_ = dir_.sub("mnt");
  ASSERT_EQ(::mkdir(src_.c_str(), 0777), 0) << std::strerror(errno);
  ASSERT_EQ(::mkdir(mnt_.c_str(), 0777), 0) << std::strerror(errno);
  ASSERT_EQ(::chmod(src_.c_str(), 0777), 0) << std::strerror(errno);
  ASSERT_EQ(::chmod(mnt_.c_str(), 0777), 0) << std::strerror(errno);

  const std::string bin = kind.path_api ? path_passthrough_binary() : example_binary("passthrough");
  if (::access(bin.c_str(), X_OK) != 0) {
    int err = errno;
    FAIL() << "passthrough binary missing: " << bin << " (" << std::strerror(err)
           << "); build it before running the passthrough targets";
  }
  std::vector<std::string> args;
  if (kind.path_api)
    // hard_remove: an unlinked open file goes at once, as POSIX has it. Without it
    // (libfuse's default, which PathTorture and the compat tests cover) a file
    // unlinked just after close() can still be open to the library, its RELEASE
    // coming asynchronously, and stay a moment as .fuse_hidden*: an rmdir of its
    // directory would fail with ENOTEMPTY now and then.
    args = {"-f", "-o", "allow_other,default_permissions,hard_remove,source=" + src_};
  else
    args = {"-f", "--timeout=0", "-o", "allow_other,default_permissions"};
  args.insert(args.end(), kind.transport.args.begin(), kind.transport.args.end());
  if (asks_for_io_uring(args)) {
    ASSERT_TRUE(enable_fuse_uring()) << "cannot enable FUSE-over-io_uring";
  }
  if (!kind.path_api) args.push_back(src_);
  args.push_back(mnt_);
  daemon_.emplace(bin, args, dir_.sub("daemon.log"));
  // Up to 10 s for the mount, but stop waiting as soon as the daemon has exited.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    if (wait_for_mount(mnt_, true, 100ms)) break;
    auto status = daemon_->wait(0ms);
    if (status || std::chrono::steady_clock::now() > deadline) {
      FAIL() << "passthrough did not mount " << mnt_
             << (status ? " (exited with " + std::to_string(*status) + ")" : std::string(" within 10 s"))
             << "; its log follows";
    }
  }
  watchdog_.emplace(mnt_, kWatchdog);
  if (asks_for_io_uring(args)) {
    ASSERT_TRUE(wait_for_uring(*daemon_)) << "passthrough did not start io_uring; its log follows";
    kind_uring_ = true;
  }
  root_ = mnt_;
}

void FsTarget::stop() {
  if (stopped_) return;
  stopped_ = true;
  bool fired = watchdog_ && watchdog_->fired();
  watchdog_.reset();
  if (fired) ADD_FAILURE() << "watchdog aborted a hung mount at " << mnt_ << " after " << kWatchdog.count() << " s";
  if (daemon_) {
    daemon_->signal(SIGTERM);
    auto status = daemon_->wait(10s);
    if (!status) ADD_FAILURE() << "passthrough did not exit within 10 s of SIGTERM";
    if (status && kind_uring_) {  // the ring, not /dev/fuse, must have carried the traffic
      EXPECT_GT(uring_requests_served(daemon_->output()), 0) << "no request went over io_uring";
    }
  }
  if (!mnt_.empty()) force_unmount(mnt_);
  if (daemon_) {
    std::string log = daemon_->output();
    daemon_.reset();  // SIGKILL + reap if it is still there
    if (::testing::Test::HasFailure() && !log.empty())
      std::cerr << "---- passthrough log (" << mnt_ << ") ----\n"
                << (log.size() > 8000 ? "...\n" + log.substr(log.size() - 8000) : log) << "\n----\n";
  }
  if (!mnt_.empty()) {
    EXPECT_FALSE(find_mount(mnt_).has_value()) << "mount left behind at " << mnt_;
  }
}

std::optional<std::string> pread_string(int fd, std::size_t len, off_t off) {
  std::string out(len, '\0');
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, out.data() + done, len - done, off + static_cast<off_t>(done));
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

std::optional<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return std::nullopt;
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  int err = errno;
  ::closedir(d);
  if (err) {
    errno = err;
    return std::nullopt;
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string errno_name(int err) {
  static const std::pair<int, const char*> names[] = {
      {0, "0"},           {EPERM, "EPERM"},       {ENOENT, "ENOENT"},       {EIO, "EIO"},
      {EBADF, "EBADF"},   {EAGAIN, "EAGAIN"},     {EACCES, "EACCES"},       {EEXIST, "EEXIST"},
      {EXDEV, "EXDEV"},   {ENOTDIR, "ENOTDIR"},   {EISDIR, "EISDIR"},       {EINVAL, "EINVAL"},
      {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"},     {ENOSYS, "ENOSYS"},       {ENOTEMPTY, "ENOTEMPTY"},
      {ENODATA, "ENODATA"}, {ERANGE, "ERANGE"},   {EOPNOTSUPP, "EOPNOTSUPP"}, {ENXIO, "ENXIO"},
      {ENOTCONN, "ENOTCONN"}, {EFBIG, "EFBIG"},   {ELOOP, "ELOOP"},         {EMLINK, "EMLINK"},
      {ENAMETOOLONG, "ENAMETOOLONG"}, {ETXTBSY, "ETXTBSY"}, {EROFS, "EROFS"}, {ENOTTY, "ENOTTY"},
  };
  for (const auto& [e, n] : names)
    if (e == err) return std::string(n) + " (" + std::strerror(err) + ")";
  return std::to_string(err) + " (" + std::strerror(err) + ")";
}

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  if (i < n) {
    std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, n - i);
  }
  return out;
}

namespace {
struct ChildReport {
  int err;
  char message[200];
};
}  // namespace

ChildResult run_in_child(const std::function<const char*()>& fn, std::optional<uid_t> as_uid,
                         gid_t as_gid, std::chrono::seconds timeout) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return {false, std::string("pipe2: ") + std::strerror(errno)};
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return {false, std::string("fork: ") + std::strerror(errno)};
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    const char* failed = nullptr;
    if (as_uid) {
      if (::setgroups(0, nullptr) != 0)
        failed = "setgroups(0) failed";
      else if (::setgid(as_gid) != 0)
        failed = "setgid failed";
      else if (::setuid(*as_uid) != 0)
        failed = "setuid failed";
    }
    if (!failed) failed = fn();
    ChildReport rep{};
    rep.err = errno;
    if (failed) {
      std::size_t n = std::strlen(failed);
      if (n >= sizeof rep.message) n = sizeof rep.message - 1;
      std::memcpy(rep.message, failed, n);
    }
    ssize_t w = ::write(pipefd[1], &rep, sizeof rep);
    (void)w;
    ::_exit(failed ? 1 : 0);
  }
  ::close(pipefd[1]);

  ChildResult result;
  ChildReport rep{};
  std::size_t got = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  while (got < sizeof rep) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd p {pipefd[0], POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    ssize_t n = ::read(pipefd[0], reinterpret_cast<char*>(&rep) + got, sizeof rep - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(pipefd[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  pid_t r;
  auto reap_deadline = std::chrono::steady_clock::now() + 10s;
  while ((r = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < reap_deadline)
    std::this_thread::sleep_for(5ms);
  if (r == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  if (timed_out) return {false, "timed out after " + std::to_string(timeout.count()) + " s (killed)"};
  if (got != sizeof rep)
    return {false, "child died without reporting (status " + std::to_string(status) + ")"};
  rep.message[sizeof rep.message - 1] = '\0';
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && rep.message[0] == '\0') return {true, {}};
  result.ok = false;
  result.message = std::string(rep.message) + " [errno " + errno_name(rep.err) + "]";
  return result;
}

}  // namespace uringfuse::test
