// The interface a filesystem implements. Override the operations you support; every
// other one answers the kernel the way libfuse does for a missing operation (ENOSYS,
// or a harmless success for open/release and friends).
//
// Handlers may run on several threads at once (worker pool, one ring per CPU). Each
// gets its reply object by value: answer inside the call, or move it elsewhere and
// answer later from any thread. An exception escaping a handler answers EIO.
#pragma once

#include "uringfuse/cxx_standard.hpp"

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

  // ---- changing the tree -------------------------------------------------------
  virtual void setattr(const Request& req, Ino ino, const SetattrIn& in, ReplyAttr reply);
  virtual void readlink(const Request& req, Ino ino, ReplyReadlink reply);
  virtual void symlink(const Request& req, Ino parent, std::string_view name,
                       std::string_view target, ReplyEntry reply);
  virtual void mknod(const Request& req, Ino parent, std::string_view name, mode_t mode,
                     dev_t rdev, ReplyEntry reply);
  virtual void mkdir(const Request& req, Ino parent, std::string_view name, mode_t mode,
                     ReplyEntry reply);
  virtual void unlink(const Request& req, Ino parent, std::string_view name, ReplyEmpty reply);
  virtual void rmdir(const Request& req, Ino parent, std::string_view name, ReplyEmpty reply);
  // RENAME and RENAME2; `flags` is RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT or 0.
  virtual void rename(const Request& req, Ino parent, std::string_view name, Ino new_parent,
                      std::string_view new_name, unsigned flags, ReplyEmpty reply);
  virtual void link(const Request& req, Ino ino, Ino new_parent, std::string_view new_name,
                    ReplyEntry reply);
  // Create and open in one step. Without it the kernel falls back to mknod + open.
  virtual void create(const Request& req, Ino parent, std::string_view name, mode_t mode,
                      const OpenIn& in, ReplyCreate reply);
  // An unnamed file in directory `parent` (O_TMPFILE).
  virtual void tmpfile(const Request& req, Ino parent, mode_t mode, const OpenIn& in,
                       ReplyCreate reply);

  // ---- file data -----------------------------------------------------------------
  virtual void write(const Request& req, Ino ino, const WriteIn& in,
                     std::span<const std::byte> data, ReplyWrite reply);
  virtual void fsync(const Request& req, Ino ino, const FsyncIn& in, ReplyEmpty reply);
  virtual void fsyncdir(const Request& req, Ino ino, const FsyncIn& in, ReplyEmpty reply);
  virtual void fallocate(const Request& req, Ino ino, const FallocateIn& in, ReplyEmpty reply);
  virtual void lseek(const Request& req, Ino ino, const LseekIn& in, ReplyLseek reply);
  virtual void copy_file_range(const Request& req, Ino ino_in, const CopyFileRangeIn& in,
                               ReplyWrite reply);
  virtual void bmap(const Request& req, Ino ino, const BmapIn& in, ReplyBmap reply);
  virtual void ioctl(const Request& req, Ino ino, const IoctlIn& in,
                     std::span<const std::byte> in_data, ReplyIoctl reply);
  // Keep `in.kh` and call Notifier::poll_wakeup(kh) when ready, if in.wants_notify().
  virtual void poll(const Request& req, Ino ino, const PollIn& in, ReplyPoll reply);

  // ---- attributes and the filesystem ---------------------------------------------
  virtual void statx(const Request& req, Ino ino, const StatxIn& in, ReplyStatx reply);
  virtual void syncfs(const Request& req, Ino ino, ReplyEmpty reply);
  virtual void setxattr(const Request& req, Ino ino, std::string_view name,
                        std::span<const std::byte> value, const SetxattrIn& in, ReplyEmpty reply);
  virtual void getxattr(const Request& req, Ino ino, std::string_view name, ReplyXattr reply);
  // Names are NUL-terminated, one after another.
  virtual void listxattr(const Request& req, Ino ino, ReplyXattr reply);
  virtual void removexattr(const Request& req, Ino ino, std::string_view name, ReplyEmpty reply);

  // ---- locks ---------------------------------------------------------------------
  // POSIX (fcntl) locks; without getlk/setlk the kernel keeps them locally.
  virtual void getlk(const Request& req, Ino ino, const LockIn& in, ReplyLock reply);
  // `sleep`: F_SETLKW, wait for the lock (an interrupt may end the wait).
  virtual void setlk(const Request& req, Ino ino, const LockIn& in, bool sleep, ReplyEmpty reply);
  // BSD flock(2) locks; without it the kernel keeps them locally.
  virtual void flock(const Request& req, Ino ino, const FlockIn& in, ReplyEmpty reply);
};

}  // namespace uringfuse
