// The adapter between uringfuse's C++ Filesystem interface and a C filesystem's
// fuse_lowlevel_ops: each override turns typed arguments into libfuse's, wraps the
// reply in a fuse_req and calls the C function; a missing one behaves like libfuse.
#pragma once

#include "compat/compat_types.hpp"
#include "uringfuse/filesystem.hpp"
#include "uringfuse/operations.hpp"

namespace uringfuse::compat {

class CompatFilesystem final : public Filesystem {
 public:
  explicit CompatFilesystem(fuse_session* se) : se_(se) {}
  // The operations the C table provides, for the session's default capabilities.
  OperationSet implemented() const;

  void init(ConnectionInfo& conn) override;
  void destroy() override;
  void lookup(const Request&, Ino, std::string_view, ReplyEntry) override;
  void forget(const Request&, Ino, std::uint64_t) override;
  void batch_forget(const Request&, std::span<const Forget>) override;
  void getattr(const Request&, Ino, const GetattrIn&, ReplyAttr) override;
  void setattr(const Request&, Ino, const SetattrIn&, ReplyAttr) override;
  void readlink(const Request&, Ino, ReplyReadlink) override;
  void mknod(const Request&, Ino, std::string_view, mode_t, dev_t, ReplyEntry) override;
  void mkdir(const Request&, Ino, std::string_view, mode_t, ReplyEntry) override;
  void unlink(const Request&, Ino, std::string_view, ReplyEmpty) override;
  void rmdir(const Request&, Ino, std::string_view, ReplyEmpty) override;
  void symlink(const Request&, Ino, std::string_view, std::string_view, ReplyEntry) override;
  void rename(const Request&, Ino, std::string_view, Ino, std::string_view, unsigned, ReplyEmpty) override;
  void link(const Request&, Ino, Ino, std::string_view, ReplyEntry) override;
  void open(const Request&, Ino, const OpenIn&, ReplyOpen) override;
  void read(const Request&, Ino, const ReadIn&, ReplyData) override;
  void write(const Request&, Ino, const WriteIn&, std::span<const std::byte>, ReplyWrite) override;
  void flush(const Request&, Ino, const FlushIn&, ReplyEmpty) override;
  void release(const Request&, Ino, const ReleaseIn&, ReplyEmpty) override;
  void fsync(const Request&, Ino, const FsyncIn&, ReplyEmpty) override;
  void opendir(const Request&, Ino, const OpenIn&, ReplyOpen) override;
  void readdir(const Request&, Ino, const ReadIn&, ReplyDirectory) override;
  void readdirplus(const Request&, Ino, const ReadIn&, ReplyDirectoryPlus) override;
  void releasedir(const Request&, Ino, const ReleaseIn&, ReplyEmpty) override;
  void fsyncdir(const Request&, Ino, const FsyncIn&, ReplyEmpty) override;
  void statfs(const Request&, Ino, ReplyStatfs) override;
  void setxattr(const Request&, Ino, std::string_view, std::span<const std::byte>, const SetxattrIn&,
                ReplyEmpty) override;
  void getxattr(const Request&, Ino, std::string_view, ReplyXattr) override;
  void listxattr(const Request&, Ino, ReplyXattr) override;
  void removexattr(const Request&, Ino, std::string_view, ReplyEmpty) override;
  void access(const Request&, Ino, int, ReplyEmpty) override;
  void create(const Request&, Ino, std::string_view, mode_t, const OpenIn&, ReplyCreate) override;
  void getlk(const Request&, Ino, const LockIn&, ReplyLock) override;
  void setlk(const Request&, Ino, const LockIn&, bool, ReplyEmpty) override;
  void flock(const Request&, Ino, const FlockIn&, ReplyEmpty) override;
  void bmap(const Request&, Ino, const BmapIn&, ReplyBmap) override;
  void ioctl(const Request&, Ino, const IoctlIn&, std::span<const std::byte>, ReplyIoctl) override;
  void poll(const Request&, Ino, const PollIn&, ReplyPoll) override;
  void fallocate(const Request&, Ino, const FallocateIn&, ReplyEmpty) override;
  void lseek(const Request&, Ino, const LseekIn&, ReplyLseek) override;
  void copy_file_range(const Request&, Ino, const CopyFileRangeIn&, ReplyWrite) override;
  void tmpfile(const Request&, Ino, mode_t, const OpenIn&, ReplyCreate) override;
  void statx(const Request&, Ino, const StatxIn&, ReplyStatx) override;
  void syncfs(const Request&, Ino, ReplyEmpty) override;

  // Handed to Notifier::retrieve: delivers the kernel's answer to retrieve_reply.
  void deliver_retrieve(void* cookie, Ino ino, std::uint64_t offset, std::span<const std::byte> data);

 private:
  template <class Reply>
  fuse_req* req(const Request& r, Reply&& reply) {
    return make_request(se_, r, CompatReply(std::in_place_type<std::decay_t<Reply>>, std::move(reply)));
  }
  const fuse_lowlevel_ops& ops() const { return se_->ops; }
  fuse_session* se_;
};

}  // namespace uringfuse::compat
