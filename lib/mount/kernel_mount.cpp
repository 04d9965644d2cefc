// The privileged path: open /dev/fuse ourselves and call mount(2) with the
// "fd=...,rootmode=..." data the kernel's fuse filesystem expects, and the
// matching umount2() for taking it down again.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "mount_internal.hpp"

namespace uringfuse::detail {

KernelMountResult kernel_mount(const MountOptions& opts, const CheckedMountpoint& mp,
                               std::string_view display_path) {
  const std::string what = "mountpoint " + std::string(display_path);

  // CLOEXEC: a child that inherited this fd would keep the connection alive
  // after we die, and fusermount3's auto_unmount would then never trigger.
  const int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw_dev_fuse_error(errno);

  const unsigned long flags = effective_mount_flags(opts);
  const std::string data = kernel_mount_data(opts, fd, mp.mode & S_IFMT, getuid(), getgid());
  const std::string source = mount_source(opts);
  std::string type = mount_fstype(opts);

  // The kernel silently truncates data at a page; a cut "user_id=1000" would
  // be a different user. Refuse instead.
  const long page = sysconf(_SC_PAGESIZE);
  if (page > 0 && data.size() >= static_cast<size_t>(page)) {
    close(fd);
    throw_mount_error(what, "mount options too long");
  }

  int rc = mount(source.c_str(), mp.path.c_str(), type.c_str(), flags, data.c_str());
  if (rc != 0 && errno == ENODEV && !opts.subtype.empty()) {
    // Kernels without "fuse.<subtype>" support know only plain "fuse".
    type = "fuse";
    rc = mount(source.c_str(), mp.path.c_str(), type.c_str(), flags, data.c_str());
  }
  if (rc == 0) return KernelMountResult{fd, false};

  const int err = errno;
  close(fd);
  // Root without CAP_SYS_ADMIN (e.g. in a user namespace): fusermount3 may
  // still be able to do it, so let the caller decide.
  if (err == EPERM) return KernelMountResult{-1, true};

  std::string why = "mount failed: " + errno_text(err);
  if (err == ENODEV) why += " (is the fuse module loaded?)";
  throw_mount_error(what, why);
}

bool kernel_unmount(const std::string& path) {
  // NOFOLLOW: path is a mount root we resolved ourselves; never chase a
  // symlink someone may have put in its place.
  if (umount2(path.c_str(), UMOUNT_NOFOLLOW) == 0) return true;
  if (errno != EBUSY) return false;
  // Still in use (open files, cwd of some process): detach it from the
  // namespace now; the kernel finishes once the last user lets go.
  return umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0;
}

}  // namespace uringfuse::detail
