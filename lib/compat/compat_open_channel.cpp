// fuse_open_channel(): mounts with a comma-separated list of mount options and
// hands back the /dev/fuse descriptor, for programs that serve it themselves or
// pass it on (libfuse's helper.c has it; fuse.h declares it). The mount is the
// caller's from then on: nothing here unmounts it.
#include <exception>
#include <string>

#include "compat/compat_types.hpp"
#include "mount/mount.hpp"
#include "session/option_list.hpp"

using namespace uringfuse;

extern "C" int fuse_open_channel(const char* mountpoint, const char* options) {
  MountOptions opts;
  opts.mountpoint = mountpoint ? mountpoint : "";
  opts.program = "fuse";
  try {
    for (const std::string& opt : detail::split_option_list(options ? options : "")) {
      if (opt.empty() || opt.rfind("x-", 0) == 0) continue;  // x-*: for mount(8) and fstab readers, as libfuse
      if (!detail::apply_mount_option(opts, opt)) {
        fuse_log(FUSE_LOG_ERR, "fuse: unknown mount option `%s'\n", opt.c_str());
        return -1;
      }
    }
    return detail::Mount::create(opts).release();
  } catch (const std::exception& e) {
    fuse_log(FUSE_LOG_ERR, "%s\n", e.what());
    return -1;
  }
}
