// The Mount class: picks the mount(2) or the fusermount3 path, remembers which
// mountinfo entry is ours, and tears the mount down exactly once, only if
// what sits on the mountpoint is still the mount we made.
#include "mount.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "mount_internal.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

void throw_mount_error(std::string_view what, std::string_view why) {
  std::string msg = "uringfuse: ";
  msg += what;
  msg += ": ";
  msg += why;
  throw MountError(one_line(msg));
}

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r: returns the message, which may or may not live in buf.
  return strerror_r(err, buf, sizeof buf);
}

namespace {

// fusectl names connections by the superblock's dev_t in the kernel's
// internal encoding (major << 20 | minor).
unsigned kernel_dev(unsigned major, unsigned minor) { return (major << 20) | minor; }

// Long enough for a live daemon to absorb a big writeback flush.
constexpr std::chrono::seconds kUnmountGrace{10};

}  // namespace

std::optional<int> inherited_fuse_fd(std::string_view mountpoint) {
  constexpr std::string_view prefix = "/dev/fd/";
  if (!mountpoint.starts_with(prefix)) return std::nullopt;
  std::string_view digits = mountpoint.substr(prefix.size());
  int fd = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), fd);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || fd < 0) return std::nullopt;
  if (::fcntl(fd, F_GETFD) == -1)
    throw_mount_error("mountpoint " + std::string(mountpoint),
                      "no such open file descriptor (a privileged helper such as mount.fuse3 passes an open "
                      "/dev/fuse descriptor this way)");
  return fd;
}

Mount Mount::adopt(int fd) {
  Mount m;
  m.fd_ = fd;
  return m;
}

Mount Mount::create(const MountOptions& opts) {
  const std::string& given = opts.mountpoint;
  validate_mount_options(opts, given);
  const CheckedMountpoint mp = check_mountpoint(given);
  check_fuse_device();

  Mount m;
  m.mountpoint_ = mp.path;

  // libfuse does the same split: mount(2) needs root, and auto_unmount needs
  // a process that outlives us, which is what fusermount3 provides.
  bool use_helper = opts.auto_unmount || geteuid() != 0;
  if (!use_helper) {
    const KernelMountResult r = kernel_mount(opts, mp, given);
    if (r.not_permitted)
      use_helper = true;
    else
      m.fd_ = r.fd;
  }
  if (use_helper) {
    const FusermountResult r = fusermount_mount(opts, mp, given);
    m.fd_ = r.fd;
    m.helper_socket_ = r.helper_socket;
    m.helper_pid_ = r.helper_pid;
    m.via_fusermount_ = true;
  }
  m.mounted_ = true;

  // We refused a mountpoint that already had FUSE on top, so the FUSE mount
  // now on top is the one we just made.
  if (auto table = read_mountinfo()) {
    if (auto top = topmost_mount_at(*table, mp.path); top && is_fuse_fstype(top->fstype)) {
      m.mount_id_ = top->mount_id;
      m.connection_id_ = kernel_dev(top->major, top->minor);
    }
  }
  m.unique_mount_id_ = unique_mount_id(mp.path).value_or(0);
  if (m.helper_socket_ >= 0)
    m.watcher_ = start_auto_unmount_watcher(m.connection_id_, m.mountpoint_, m.helper_socket_);
  return m;
}

Mount::Mount(Mount&& other) noexcept { *this = std::move(other); }

Mount& Mount::operator=(Mount&& other) noexcept {
  if (this == &other) return *this;
  unmount();
  close_device();
  fd_ = std::exchange(other.fd_, -1);
  mountpoint_ = std::move(other.mountpoint_);
  other.mountpoint_.clear();
  mounted_ = std::exchange(other.mounted_, false);
  via_fusermount_ = std::exchange(other.via_fusermount_, false);
  mount_id_ = std::exchange(other.mount_id_, -1);
  connection_id_ = std::exchange(other.connection_id_, 0u);
  unique_mount_id_ = std::exchange(other.unique_mount_id_, uint64_t{0});
  helper_socket_ = std::exchange(other.helper_socket_, -1);
  helper_pid_ = std::exchange(other.helper_pid_, -1);
  watcher_ = std::exchange(other.watcher_, {});
  return *this;
}

Mount::~Mount() {
  unmount();
  close_device();
}

int Mount::fd() const { return fd_; }

const std::string& Mount::mountpoint() const { return mountpoint_; }

namespace {

// Runs `body` (an unmount); if it has not returned after the grace period,
// aborts the connection. A synchronous umount flushes dirty data through the
// daemon, and if no thread of ours serves /dev/fuse any more that would wait
// forever; aborting makes those requests fail instead.
template <class Body>
void with_abort_watchdog(unsigned connection_id, Body body) {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread watchdog;
  if (connection_id != 0) {
    try {
      watchdog = std::thread([&] {
        std::unique_lock lock(mu);
        if (!cv.wait_for(lock, kUnmountGrace, [&] { return finished; })) {
          log(LogLevel::warning, "uringfuse: unmount not done after %lld s; aborting connection %u",
              static_cast<long long>(kUnmountGrace.count()), connection_id);
          abort_connection(connection_id);
        }
      });
    } catch (...) {
      // No thread: unmount without the safety net rather than not at all.
    }
  }
  body();
  {
    std::lock_guard lock(mu);
    finished = true;
  }
  cv.notify_one();
  if (watchdog.joinable()) watchdog.join();
}

}  // namespace

bool Mount::still_ours_on_top() const {
  auto table = read_mountinfo();
  bool on_top;
  if (auto now = unique_mount_id_ ? unique_mount_id(mountpoint_) : std::nullopt) {
    on_top = *now == unique_mount_id_;
  } else if (!table) {
    return true;  // cannot tell at all; we did mount it, so go ahead
  } else {
    // Older kernels: mountinfo id plus device. Both are recycled, so an
    // external unmount followed by a fresh FUSE mount here can fool this.
    auto top = topmost_mount_at(*table, mountpoint_);
    on_top = top && is_fuse_fstype(top->fstype) &&
             (mount_id_ < 0 || (top->mount_id == mount_id_ &&
                                kernel_dev(top->major, top->minor) == connection_id_));
  }
  if (on_top || !table || mount_id_ < 0) return on_top;

  // Not visible at the path. Still mounted underneath something? Then say
  // why we leave it; otherwise it was simply unmounted by someone else.
  auto top = topmost_mount_at(*table, mountpoint_);
  for (const auto& e : *table) {
    if (e.mount_id == mount_id_ && e.mount_point == mountpoint_ &&
        kernel_dev(e.major, e.minor) == connection_id_ && top && top->mount_id != e.mount_id) {
      log(LogLevel::warning, "uringfuse: not unmounting %s: another filesystem is mounted on top of it",
          mountpoint_.c_str());
      break;
    }
  }
  return false;
}

void Mount::unmount() noexcept {
  if (mounted_) {
    mounted_ = false;
    try {
      if (still_ours_on_top()) {
        with_abort_watchdog(connection_id_, [&] {
          std::string failure;
          bool done = false;
          if (geteuid() == 0) {
            done = kernel_unmount(mountpoint_);
            if (!done) failure = errno_text(errno);
          } else {
            // Succeeds when we hold CAP_SYS_ADMIN over the mount's namespace;
            // saves running the helper (libfuse tries this first too).
            done = umount2(mountpoint_.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0;
          }
          // Unprivileged, or root that mount(2) refused: the helper mounted
          // it, the helper can unmount it.
          if (!done && via_fusermount_) {
            done = fusermount_unmount(mountpoint_);
            if (!done) failure = "fusermount3 -u failed";
          }
          if (!done)
            log(LogLevel::warning, "uringfuse: failed to unmount %s: %s", mountpoint_.c_str(),
                failure.empty() ? "permission denied" : failure.c_str());
        });
      }
    } catch (...) {
      // Only allocation can throw above; nothing sensible left to do.
    }
  }
}

// Separate from unmount(): readers may still be blocked on the fd while the mount is
// detached, and a closed fd number could be reused under them.
int Mount::release() noexcept {
  mounted_ = false;
  helper_socket_ = -1;  // an auto_unmount helper keeps watching, for the fd's new owner
  helper_pid_ = -1;
  watcher_ = AutoUnmountWatcher{};
  return std::exchange(fd_, -1);
}

void Mount::close_device() noexcept {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  stop_auto_unmount_watcher(watcher_);  // it closes fusermount3's socket as it exits
  release_fusermount_helper(helper_socket_, helper_pid_);
}

}  // namespace uringfuse::detail
