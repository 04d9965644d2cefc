// The context of one request: who asked (uid, gid, pid) and which request it is.
// Valid during the handler call; copy what a deferred reply needs.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace uringfuse {

struct Request {
  std::uint64_t unique = 0;
  std::uint32_t opcode = 0;
  std::uint64_t nodeid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
};

}  // namespace uringfuse
