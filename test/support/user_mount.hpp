// Running a FUSE daemon as an unprivileged user, the way a desktop user does: it
// mounts through the setuid fusermount3. The daemon lives in a private mount namespace
// whose /dev/fuse is a test-made 0666 node (the mode udev gives it on Debian), so the
// host's /dev/fuse mode and mount table are never changed; the namespace, and any
// mount left in it, goes away with its last process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "mount_harness.hpp"

namespace uringfuse::test {

// Why fusermount3 cannot do its job here ("" when it can): it must exist in /usr/bin
// and be setuid root (the fuse3 package, which test/install-deps.sh installs).
std::string fusermount3_missing();

// Whether /etc/fuse.conf has an uncommented user_allow_other line.
bool fuse_conf_allows_other();

// Makes `path` a character device with /dev/fuse's numbers, mode 0666.
bool make_fuse_device_node(const std::string& path);

// For a forked child, before exec: unshare the mount namespace, make every mount in it
// private (nothing propagates back to the host), bind `device_node` over /dev/fuse.
// Only async-signal-safe calls.
bool enter_private_fuse_namespace(const char* device_node);
// For a forked child: join the mount namespace at `ns_path` (/proc/<pid>/ns/mnt).
bool join_mount_namespace(const char* ns_path);
// For a forked child: no supplementary groups, then real, effective and saved ids.
bool drop_privileges(uid_t uid, gid_t gid);

// A process parked in another process's mount namespace, so that namespace's mount
// table stays readable (mountinfo()) after that process exits. Killed and reaped by
// PID when destroyed.
class NamespaceWitness {
 public:
  explicit NamespaceWitness(pid_t member);
  ~NamespaceWitness();
  NamespaceWitness(const NamespaceWitness&) = delete;
  NamespaceWitness& operator=(const NamespaceWitness&) = delete;
  bool ok() const { return pid_ > 0; }
  std::string mountinfo() const { return "/proc/" + std::to_string(pid_) + "/mountinfo"; }
  std::string ns_path() const { return "/proc/" + std::to_string(pid_) + "/ns/mnt"; }

 private:
  pid_t pid_ = -1;
  int release_fd_ = -1;  // closing it lets the witness exit
};

// Polls `mountinfo` until a FUSE mount at `path` is (or is no longer) there.
bool wait_for_mount_in(const std::string& mountinfo, const std::string& path, bool mounted,
                       std::chrono::milliseconds timeout);

}  // namespace uringfuse::test
