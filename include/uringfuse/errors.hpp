// Exceptions the library throws at set-up time; their what() is one line meant for
// the user (it names the path or option and the reason).
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <stdexcept>

namespace uringfuse {

// Mounting failed: missing or non-directory mountpoint, mountpoint in use, no
// /dev/fuse, mount(2) or fusermount3 refused.
class MountError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace uringfuse
