// The interface a filesystem implements. Override the operations you support; every
// other one answers the kernel the way libfuse does for a missing operation (ENOSYS,
// or a harmless success for open/release and friends).
//
// Handlers may run on several threads at once (worker pool, one ring per CPU). Each
// gets its reply object by value: answer inside the call, or move it elsewhere and
// answer later from any thread. An exception escaping a handler answers EIO.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "uringfuse/connection_info.hpp"
#include "uringfuse/operation_args.hpp"
#include "uringfuse/reply.hpp"
#include "uringfuse/request.hpp"
#include "uringfuse/types.hpp"

namespace uringfuse {

class Filesystem {
 public:
  virtual ~Filesystem() = default;

  // Connection set-up, before any other request. Adjust `conn` to veto default
  // capabilities or ask for more; throwing refuses the connection.
  virtual void init(ConnectionInfo& conn);
  // The connection is ending (kernel DESTROY, or the session is torn down).
  virtual void destroy();

  virtual void lookup(const Request& req, Ino parent, std::string_view name, ReplyEntry reply);
  // The kernel dropped `nlookup` references to `ino`. No reply.
  virtual void forget(const Request& req, Ino ino, std::uint64_t nlookup);
  // Many forgets at once; by default calls forget() for each.
  virtual void batch_forget(const Request& req, std::span<const Forget> forgets);
  virtual void getattr(const Request& req, Ino ino, const GetattrIn& in, ReplyAttr reply);
  virtual void open(const Request& req, Ino ino, const OpenIn& in, ReplyOpen reply);
  virtual void read(const Request& req, Ino ino, const ReadIn& in, ReplyData reply);
  virtual void flush(const Request& req, Ino ino, const FlushIn& in, ReplyEmpty reply);
  virtual void release(const Request& req, Ino ino, const ReleaseIn& in, ReplyEmpty reply);
  virtual void opendir(const Request& req, Ino ino, const OpenIn& in, ReplyOpen reply);
  virtual void readdir(const Request& req, Ino ino, const ReadIn& in, ReplyDirectory reply);
  // Listing with attributes. Used only when the session wants Capability::readdirplus,
  // which it does by default once this is overridden.
  virtual void readdirplus(const Request& req, Ino ino, const ReadIn& in,
                           ReplyDirectoryPlus reply);
  virtual void releasedir(const Request& req, Ino ino, const ReleaseIn& in, ReplyEmpty reply);
  virtual void statfs(const Request& req, Ino ino, ReplyStatfs reply);
  // access(2) check; `mask` is R_OK|W_OK|X_OK or F_OK.
  virtual void access(const Request& req, Ino ino, int mask, ReplyEmpty reply);
};

}  // namespace uringfuse
