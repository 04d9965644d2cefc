// The passthrough filesystem: mirrors a source directory. Each operation acts on the
// source through *at() calls relative to O_PATH descriptors from the inode table, so it
// never follows a symlink or leaves the source tree.
#pragma once

#include <chrono>
#include <thread>

#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <string>

#include <uringfuse/async_io.hpp>
#include <uringfuse/filesystem.hpp>
#include <uringfuse/task.hpp>

#include "handles.hpp"
#include "inode_table.hpp"
#include "options.hpp"

namespace passthrough {

class PassthroughFs final : public uringfuse::Filesystem {
 public:
  // `options` is read from init() on; it may still be filled in until then.
  explicit PassthroughFs(const Options& options) : options_(options) {}

  // Opens the source directory (before mounting, and before daemonizing changes the
  // working directory). Returns "" or the reason it cannot be used.
  std::string open_source(const std::string& path);

  void init(uringfuse::ConnectionInfo& conn) override;
  void destroy() override;

  // ---- names and attributes (passthrough_fs.cpp) ----
  void lookup(const uringfuse::Request& req, uringfuse::Ino parent, std::string_view name,
              uringfuse::ReplyEntry reply) override;
  void forget(const uringfuse::Request& req, uringfuse::Ino ino, std::uint64_t nlookup) override;
  void batch_forget(const uringfuse::Request& req,
                    std::span<const uringfuse::Forget> forgets) override;
  void getattr(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::GetattrIn& in,
               uringfuse::ReplyAttr reply) override;
  void setattr(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::SetattrIn& in,
               uringfuse::ReplyAttr reply) override;
  void statx(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::StatxIn& in,
             uringfuse::ReplyStatx reply) override;
  void readlink(const uringfuse::Request& req, uringfuse::Ino ino,
                uringfuse::ReplyReadlink reply) override;
  void access(const uringfuse::Request& req, uringfuse::Ino ino, int mask,
              uringfuse::ReplyEmpty reply) override;
  void statfs(const uringfuse::Request& req, uringfuse::Ino ino,
              uringfuse::ReplyStatfs reply) override;
  void syncfs(const uringfuse::Request& req, uringfuse::Ino ino,
              uringfuse::ReplyEmpty reply) override;

  // ---- changing the tree (tree_ops.cpp) ----
  void mknod(const uringfuse::Request& req, uringfuse::Ino parent, std::string_view name,
             mode_t mode, dev_t rdev, uringfuse::ReplyEntry reply) override;
  void mkdir(const uringfuse::Request& req, uringfuse::Ino parent, std::string_view name,
             mode_t mode, uringfuse::ReplyEntry reply) override;
  void symlink(const uringfuse::Request& req, uringfuse::Ino parent, std::string_view name,
               std::string_view target, uringfuse::ReplyEntry reply) override;
  void link(const uringfuse::Request& req, uringfuse::Ino ino, uringfuse::Ino new_parent,
            std::string_view new_name, uringfuse::ReplyEntry reply) override;
  void unlink(const uringfuse::Request& req, uringfuse::Ino parent, std::string_view name,
              uringfuse::ReplyEmpty reply) override;
  void rmdir(const uringfuse::Request& req, uringfuse::Ino parent, std::string_view name,
             uringfuse::ReplyEmpty reply) override;
  void rename(const uringfuse::Request& req, uringfuse::Ino parent, std::string_view name,
              uringfuse::Ino new_parent, std::string_view new_name, unsigned flags,
              uringfuse::ReplyEmpty reply) override;

  // ---- file data (file_ops.cpp) ----
  void open(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::OpenIn& in,
            uringfuse::ReplyOpen reply) override;
  void create(const uringfuse::Request& req, uringfuse::Ino parent, std::string_view name,
              mode_t mode, const uringfuse::OpenIn& in, uringfuse::ReplyCreate reply) override;
  void tmpfile(const uringfuse::Request& req, uringfuse::Ino parent, mode_t mode,
               const uringfuse::OpenIn& in, uringfuse::ReplyCreate reply) override;
  void read(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::ReadIn& in,
            uringfuse::ReplyData reply) override;
  void write(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::WriteIn& in,
             std::span<const std::byte> data, uringfuse::ReplyWrite reply) override;
  void flush(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::FlushIn& in,
             uringfuse::ReplyEmpty reply) override;
  void release(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::ReleaseIn& in,
               uringfuse::ReplyEmpty reply) override;
  void fsync(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::FsyncIn& in,
             uringfuse::ReplyEmpty reply) override;
  void fallocate(const uringfuse::Request& req, uringfuse::Ino ino,
                 const uringfuse::FallocateIn& in, uringfuse::ReplyEmpty reply) override;
  void lseek(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::LseekIn& in,
             uringfuse::ReplyLseek reply) override;
  void copy_file_range(const uringfuse::Request& req, uringfuse::Ino ino_in,
                       const uringfuse::CopyFileRangeIn& in, uringfuse::ReplyWrite reply) override;
  void flock(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::FlockIn& in,
             uringfuse::ReplyEmpty reply) override;

  // ---- directories (dir_ops.cpp) ----
  void opendir(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::OpenIn& in,
               uringfuse::ReplyOpen reply) override;
  void readdir(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::ReadIn& in,
               uringfuse::ReplyDirectory reply) override;
  void readdirplus(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::ReadIn& in,
                   uringfuse::ReplyDirectoryPlus reply) override;
  void releasedir(const uringfuse::Request& req, uringfuse::Ino ino,
                  const uringfuse::ReleaseIn& in, uringfuse::ReplyEmpty reply) override;
  void fsyncdir(const uringfuse::Request& req, uringfuse::Ino ino, const uringfuse::FsyncIn& in,
                uringfuse::ReplyEmpty reply) override;

  // ---- extended attributes (xattr_ops.cpp) ----
  void setxattr(const uringfuse::Request& req, uringfuse::Ino ino, std::string_view name,
                std::span<const std::byte> value, const uringfuse::SetxattrIn& in,
                uringfuse::ReplyEmpty reply) override;
  void getxattr(const uringfuse::Request& req, uringfuse::Ino ino, std::string_view name,
                uringfuse::ReplyXattr reply) override;
  void listxattr(const uringfuse::Request& req, uringfuse::Ino ino,
                 uringfuse::ReplyXattr reply) override;
  void removexattr(const uringfuse::Request& req, uringfuse::Ino ino, std::string_view name,
                   uringfuse::ReplyEmpty reply) override;

 private:
  // --backend-delay: a synchronous wait, as ported blocking code would do.
  void wait_for_backend() const {
    if (options_.backend_delay_us > 0)
      std::this_thread::sleep_for(std::chrono::microseconds(options_.backend_delay_us));
  }
  uringfuse::Timeout timeout() const { return uringfuse::Timeout(options_.timeout); }

  // ---- file data as coroutines on the request's ring (ring_io.cpp) ----
  // Whether a read or write goes through them: over io_uring when --ring-io allows,
  // and wherever --backend-wait asks for an awaited wait.
  bool uses_ring_io(const uringfuse::Request& req) const {
    return (ring_io_ && req.via_io_uring) || options_.backend_wait_us > 0;
  }
  void read_direct_here(const FileHandle& handle, const uringfuse::ReadIn& in, uringfuse::ReplyData reply);
  uringfuse::Task read_on_ring(uringfuse::Io io, int fd, std::uint64_t offset, std::uint32_t size,
                               uringfuse::ReplyData reply);
  uringfuse::Task write_on_ring(uringfuse::Io io, int fd, std::uint64_t offset,
                                std::span<const std::byte> data, uringfuse::ReplyWrite reply);

  // Looks `name` up in `parent` and counts a lookup: 0 and `entry` filled, or an errno.
  int do_lookup(const Inode& parent, std::string_view name, uringfuse::EntryParam& entry);
  // The entry answer for an inode just counted in the table.
  int fill_entry(const Inode& inode, uringfuse::EntryParam& entry);
  // Answers a mknod/mkdir/symlink that created `name` in `parent`.
  void reply_created(const Inode& parent, std::string_view name, uringfuse::ReplyEntry reply);

  // Open flags for the source file, adjusted for the kernel's caching (see file_ops.cpp).
  int source_open_flags(int kernel_flags) const;
  // Fills the open answer for a new handle; registers a passthrough backing file.
  uringfuse::OpenResult open_result(Inode& inode, FileHandle& handle, int open_flags);
  void drop_backing(Inode& inode, FileHandle& handle);
  // Counts the file behind an open fd (just created) in the table; null and `err` set
  // on failure.
  std::shared_ptr<Inode> enter_open_file(int fd, uringfuse::EntryParam& entry, int& err);

  template <bool Plus, class Reply>
  void list_directory(uringfuse::Ino ino, const uringfuse::ReadIn& in, Reply reply);

  const Options& options_;
  InodeTable inodes_;
  OpenHandles<FileHandle> files_;
  OpenHandles<DirHandle> dirs_;
  // close() on the source never reports anything (a local filesystem, not NFS or
  // FUSE): FLUSH, which replays close() there, can then be skipped.
  bool source_close_is_silent_ = false;
  bool ring_reads_need_workers_ = false;  // tmpfs, ramfs: see --ring-io
  bool ring_io_ = false;                  // decided in init()
  dev_t source_dev_ = 0;
  uringfuse::Notifier* notifier_ = nullptr;
  bool writeback_ = false;                 // negotiated in init()
  std::atomic<bool> passthrough_{false};   // on until the kernel refuses a backing file
  std::atomic<bool> warned_crossing_{false};
};

}  // namespace passthrough
