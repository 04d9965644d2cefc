// Aborting a FUSE connection through fusectl: the last resort when a lazily detached
// mount keeps its connection (and our blocked readers) alive.
#include <sys/mount.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "mount/mount_internal.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

// fusectl shows nothing until it is mounted; mount it only then, so a second mount
// is never stacked on a live one.
bool fusectl_empty() {
  DIR* dir = ::opendir(kFusectlDir);
  if (!dir) return false;
  bool empty = true;
  while (struct dirent* e = ::readdir(dir))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  ::closedir(dir);
  return empty;
}

void ensure_fusectl() {
  if (fusectl_empty() && ::mount("fusectl", kFusectlDir, "fusectl", 0, nullptr) != 0)
    log(LogLevel::debug, "uringfuse: mounting fusectl: %s", std::strerror(errno));
}

}  // namespace

std::string connection_abort_path(unsigned connection_id) {
  return std::string(kFusectlDir) + "/" + std::to_string(connection_id) + "/abort";
}

bool abort_connection(unsigned connection_id) noexcept {
  if (connection_id == 0) return false;
  const std::string path = connection_abort_path(connection_id);
  if (::access(path.c_str(), F_OK) != 0) ensure_fusectl();
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    log(LogLevel::err, "uringfuse: aborting connection %u: %s: %s", connection_id, path.c_str(),
        std::strerror(errno));
    return false;
  }
  bool ok = ::write(fd, "1", 1) == 1;
  ::close(fd);
  return ok;
}

}  // namespace uringfuse::detail
