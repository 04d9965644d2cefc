// The directory a POSIX behaviour test runs in: either a plain fresh directory (the
// "native" reference) or the bundled passthrough example mounted over a fresh source
// directory, once per transport. Every case runs unchanged against each target.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "../mount/transports.hpp"
#include "example_mount.hpp"
#include "mount_harness.hpp"

namespace uringfuse::test {

struct TargetKind {
  std::string name;  // "Native", "Passthrough_<transport>" or "PathPassthrough_<transport>"
  bool passthrough = false;  // mounted: one of the two passthroughs
  Transport transport;  // unused for native
  // The path-API passthrough (test/compat/passthrough_hl.c, libfuse's high-level
  // fuse.h) instead of the bundled lowlevel example.
  bool path_api = false;
};

// Native first, then the passthrough example over every transport, then the
// path-API passthrough over every transport.
std::vector<TargetKind> all_targets();
// For INSTANTIATE_TEST_SUITE_P: the kind's name, so `--gtest_filter='*/Native'` selects
// the reference run and `*/Passthrough_*` the mounted ones.
std::string target_name(const ::testing::TestParamInfo<TargetKind>& info);
void PrintTo(const TargetKind& kind, std::ostream* os);

// Sets a target up and tears it down again; used by FsTargetTest. Failures are
// reported through gtest (fatal ones from start()).
class FsTarget {
 public:
  FsTarget() = default;
  ~FsTarget();
  FsTarget(const FsTarget&) = delete;
  FsTarget& operator=(const FsTarget&) = delete;

  // Native: root() is a fresh mkdtemp directory. Passthrough: starts
  // `passthrough -f --timeout=0 -o allow_other,default_permissions <transport> src mnt`
  // (path API: `passthrough_hl -f -o allow_other,default_permissions,hard_remove,
  // source=src <transport> mnt`, which caches no attributes either) and waits for the mount; root() is mnt. Root directories are mode 0777 so that a
  // child running as another uid can work in them.
  void start(const TargetKind& kind);
  // Stops the daemon (SIGTERM, wait, force_unmount, always) and checks nothing is
  // left mounted. Safe to call more than once and after a failed start().
  void stop();

  const std::string& root() const { return root_; }
  const std::string& mountpoint() const { return mnt_; }  // empty for native
  bool watchdog_fired() const { return watchdog_ && watchdog_->fired(); }

  static constexpr std::chrono::seconds kWatchdog{60};

 private:
  TempDir dir_;
  std::string root_, src_, mnt_;
  std::optional<Process> daemon_;
  std::optional<Watchdog> watchdog_;
  bool stopped_ = false;
  bool kind_uring_ = false;  // the daemon serves over io_uring
};

// Fixture base: Base must be (or derive from) ::testing::TestWithParam<TargetKind>.
template <class Base = ::testing::TestWithParam<TargetKind>>
class FsTargetTest : public Base {
 protected:
  void SetUp() override {
    old_umask_ = ::umask(022);
    if (this->GetParam().passthrough) {
      URINGFUSE_REQUIRE_MOUNT_PREREQUISITES();
    }
    target_.start(this->GetParam());
  }

  void TearDown() override {
    target_.stop();
    ::umask(old_umask_);
    if (this->GetParam().passthrough)
      for (const auto& line : kernel_log_.fuse_lines()) ADD_FAILURE() << "kernel log: " << line;
  }

  const TargetKind& kind() const { return this->GetParam(); }
  const std::string& root() const { return target_.root(); }
  std::string path(const std::string& rel) const { return target_.root() + "/" + rel; }

  KernelLogWatch kernel_log_;  // declared first: watches from before the mount
  FsTarget target_;
  mode_t old_umask_ = 022;
};

// ---- small helpers shared by the behaviour tests ----

// An owned file descriptor, closed on scope exit (so an early ASSERT return never
// leaves the mount busy).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  int get() const { return fd_; }
  operator int() const { return fd_; }  // NOLINT: used directly with syscalls
  bool ok() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// pread of up to `len` bytes at `off`; nullopt on error.
std::optional<std::string> pread_string(int fd, std::size_t len, off_t off);
// The names in a directory, without "." and "..", sorted; nullopt on error.
std::optional<std::vector<std::string>> list_dir(const std::string& path);
std::string errno_name(int err);  // "ENOENT (No such file or directory)"
// `n` pseudo-random bytes from a fixed seed (same seed, same bytes).
std::string random_bytes(std::size_t n, std::uint64_t seed);

// Runs `fn` in a forked child and reports how it went. In the child only plain
// syscalls are allowed (no gtest, no allocation): `fn` returns nullptr on success or a
// string literal describing the first failed check, and errno at that point is
// reported with it. With `as_uid`, the child drops all groups and switches to
// as_gid/as_uid first. The child is killed (by PID) if it runs past `timeout`.
struct ChildResult {
  bool ok = false;
  std::string message;  // empty when ok
};
ChildResult run_in_child(const std::function<const char*()>& fn,
                         std::optional<uid_t> as_uid = std::nullopt, gid_t as_gid = 0,
                         std::chrono::seconds timeout = std::chrono::seconds(30));
inline constexpr uid_t kNobody = 65534;
inline constexpr gid_t kNogroup = 65534;

inline ::testing::AssertionResult ChildOk(const ChildResult& r) {
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "child: " << r.message;
}

// EXPECT_ERRNO(call, E): the call returns -1 with errno E.
#define EXPECT_ERRNO(call, err)                                                       \
  do {                                                                                \
    errno = 0;                                                                        \
    auto uf_r_ = (call);                                                              \
    int uf_e_ = errno;                                                                \
    EXPECT_EQ(uf_r_, -1) << #call << " unexpectedly succeeded";                       \
    EXPECT_EQ(uf_e_, (err)) << #call << ": got " << ::uringfuse::test::errno_name(uf_e_) \
                            << ", want " << ::uringfuse::test::errno_name(err);       \
  } while (0)

// ASSERT_SYS(call): the call does not return -1 (prints errno otherwise).
#define ASSERT_SYS(call)                                                              \
  do {                                                                                \
    errno = 0;                                                                        \
    auto uf_r_ = (call);                                                              \
    ASSERT_NE(uf_r_, -1) << #call << ": " << ::uringfuse::test::errno_name(errno);    \
  } while (0)
#define EXPECT_SYS(call)                                                              \
  do {                                                                                \
    errno = 0;                                                                        \
    auto uf_r_ = (call);                                                              \
    EXPECT_NE(uf_r_, -1) << #call << ": " << ::uringfuse::test::errno_name(errno);    \
  } while (0)

}  // namespace uringfuse::test
