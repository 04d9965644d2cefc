// Messages the filesystem sends to the kernel on its own: cache invalidations, data
// pushed into or pulled from the page cache, poll wake-ups, and FUSE passthrough
// backing files. Obtain it from ConnectionInfo::notifier() in init() (or
// Session::notifier()); it stays valid for the session's life and is thread-safe.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "uringfuse/types.hpp"

namespace uringfuse {

class NotifyChannel;  // the session's side of it (the library's own)

class Notifier {
 public:
  explicit Notifier(NotifyChannel& channel) : channel_(&channel) {}

  // Every call returns 0 or a positive errno: ENOTCONN before INIT or after the
  // connection ended, ENOSYS when the kernel's protocol is too old for it, ENOENT when
  // the kernel does not know the inode, ENAMETOOLONG/EINVAL for bad arguments.

  // Drops cached data of `ino` in [offset, offset+length) (length 0: to the end; a
  // negative offset only drops attributes) and its cached attributes.
  int inval_inode(Ino ino, std::int64_t offset, std::int64_t length);
  // Forgets the dentry `name` in `parent`, so the next access looks it up again.
  int inval_entry(Ino parent, std::string_view name);
  // Like inval_entry, but only marks the dentry stale (kernel 7.38+ / expire_only).
  int expire_entry(Ino parent, std::string_view name);
  // The entry `name` (inode `child`) is gone from `parent`: drop it and tell watchers.
  int delete_entry(Ino parent, Ino child, std::string_view name);
  // Pushes data into the kernel's page cache for `ino` at `offset`.
  int store(Ino ino, std::uint64_t offset, std::span<const std::byte> data);
  // Asks the kernel for cached data of `ino`; `on_data` runs (on a request thread) with
  // whatever the kernel had, possibly fewer bytes than asked.
  using RetrieveCallback = std::function<void(std::uint64_t offset, std::span<const std::byte> data)>;
  int retrieve(Ino ino, std::uint64_t offset, std::uint32_t size, RetrieveCallback on_data);
  // Wakes the pollers of a PollIn::kh handed to the poll() handler.
  int poll_wakeup(std::uint64_t kh);
  // Makes every cached dentry stale at once (kernel 7.44+).
  int increment_epoch();
  // Asks the kernel to forget these inodes if they are unused (kernel 7.45+).
  int prune(std::span<const Ino> inodes);

  // FUSE passthrough (kernel 6.9+, Capability::passthrough): registers an open file;
  // returns its id (> 0) for OpenResult::backing_id, or a negative errno.
  int backing_open(int fd);
  int backing_close(int backing_id);

 private:
  NotifyChannel* channel_;
};

}  // namespace uringfuse
