// Typed, move-only reply objects: each operation gets exactly the replies it may send.
// A reply is finished once (the finishers are &&-qualified and leave the object empty);
// one destroyed unfinished answers EIO and logs, so no request is ever left hanging.
// Keep the object to answer later, from any thread.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "uringfuse/directory.hpp"
#include "uringfuse/operation_args.hpp"
#include "uringfuse/types.hpp"

namespace uringfuse {

class RequestSlot;  // the transport's record of the request (the library's own)

class ReplyBase {
 public:
  ReplyBase(ReplyBase&& other) noexcept;
  ReplyBase& operator=(ReplyBase&&) = delete;
  ReplyBase(const ReplyBase&) = delete;
  ~ReplyBase();

  // Fails the request with a positive errno value (ENOENT, EACCES, ...). A value
  // outside 1..511 is a bug in the caller; it is logged and sent as EIO.
  void error(int errnum) &&;
  // True until the reply has been sent.
  bool pending() const { return slot_ != nullptr; }
  std::uint64_t unique() const noexcept;
  // Once sent: 0 if the kernel took the answer (over io_uring: it is queued for the
  // next commit), or the negative errno that kept it out: -ENOENT when the kernel
  // had given up on the request (its caller was interrupted), -ENODEV when the
  // session or its connection has ended. An OPEN, OPENDIR or CREATE whose answer
  // failed will never see its RELEASE: undo it (libfuse's high-level API does).
  int send_status() const noexcept { return send_status_; }

 protected:
  explicit ReplyBase(RequestSlot& slot) noexcept;
  void send_body(std::span<const iovec> body);
  void send_within_limit(std::span<const iovec> body);  // at most max_size() bytes
  void send_error(int errnum);
  void send_file(int fd, off_t offset, std::size_t size);
  std::uint32_t max_size() const noexcept;
  std::uint32_t opcode() const noexcept;
  template <class T>
  void send_struct(const T& wire_struct);
  // The transport memory lent for building the answer in place; empty when there is
  // none, or when the session has ended (the memory went with it).
  std::span<std::byte> lent_buffer() const noexcept;

 private:
  void deliver(int error, std::span<const iovec> body) noexcept;
  RequestSlot* take_slot() noexcept;  // null (and a log line) if sent already
  // The request this reply answers, held until it is sent; null afterwards.
  RequestSlot* slot_;
  // Kept once it is sent, only to name the request if it is answered again.
  std::uint64_t sent_unique_ = 0;
  std::uint32_t sent_opcode_ = 0;
  int send_status_ = 0;
};

// Success with no body: RELEASE, RELEASEDIR, FLUSH, ACCESS, ...
class ReplyEmpty : public ReplyBase {
 public:
  explicit ReplyEmpty(RequestSlot& slot) : ReplyBase(slot) {}
  void ok() &&;
};

class ReplyEntry : public ReplyBase {
 public:
  explicit ReplyEntry(RequestSlot& slot) : ReplyBase(slot) {}
  void entry(const EntryParam& e) &&;
  // A negative entry: "no such name", cached for `timeout` (ino 0 on the wire).
  void negative(Timeout timeout) &&;
};

class ReplyAttr : public ReplyBase {
 public:
  explicit ReplyAttr(RequestSlot& slot) : ReplyBase(slot) {}
  void attr(const struct stat& st, Timeout timeout) &&;
};

class ReplyOpen : public ReplyBase {
 public:
  explicit ReplyOpen(RequestSlot& slot) : ReplyBase(slot) {}
  void open(const OpenResult& result) &&;
};

class ReplyStatfs : public ReplyBase {
 public:
  explicit ReplyStatfs(RequestSlot& slot) : ReplyBase(slot) {}
  void statfs(const struct statvfs& st) &&;
};

// READ: at most max_size() bytes. Bytes beyond it are a filesystem bug; the request
// then fails with EIO (and a log line) rather than being silently cut.
class ReplyData : public ReplyBase {
 public:
  explicit ReplyData(RequestSlot& slot) : ReplyBase(slot) {}
  std::uint32_t max_size() const { return ReplyBase::max_size(); }
  void bytes(std::span<const std::byte> data) &&;
  void bytes(std::string_view data) && { std::move(*this).bytes(std::as_bytes(std::span(data))); }
  void iov(std::span<const iovec> parts) &&;
  // Answers with what `fd` holds at `offset` (at most max_size() bytes, fewer only at
  // end of file, the errno of a failed read otherwise). The cheapest way to serve a
  // READ from a file: over io_uring the data lands in the ring payload, copied once.
  void from_file(int fd, off_t offset, std::size_t size) &&;

  // Memory of max_size() bytes to build the answer in: over io_uring the ring
  // entry's own payload buffer, so pread(fd, buffer().data(), ...) lands where the
  // kernel reads it with no further copy; elsewhere a buffer of the reply's own.
  std::span<std::byte> buffer();
  // Sends the first `n` bytes of buffer().
  void commit(std::size_t n) &&;
  // True when buffer() is transport memory (an io_uring entry's payload).
  bool lends_buffer() const { return !lent_buffer().empty(); }

 private:
  std::vector<std::byte> own_;
};

// READDIR: add() entries until it returns false (the kernel's buffer is full), then
// done(). `next_offset` is the offset the kernel passes back to continue after the entry.
class ReplyDirectory : public ReplyBase {
 public:
  explicit ReplyDirectory(RequestSlot& slot);
  bool add(std::string_view name, Ino ino, mode_t mode, std::uint64_t next_offset);
  void done() &&;
  // Sends records already in the kernel's format (built with DirentWriter, or the C
  // API's fuse_add_direntry); more than max_size() bytes answers EIO.
  void formatted(std::span<const std::byte> records) &&;

 private:
  std::vector<std::byte> buffer_;
  DirentWriter writer_;
};

// READDIRPLUS: like ReplyDirectory, but each entry carries a full lookup answer. Every
// entry with a non-zero ino counts as a lookup of that inode (the kernel will FORGET it);
// entries for "." and ".." should use ino 0 in the EntryParam to avoid that.
class ReplyDirectoryPlus : public ReplyBase {
 public:
  explicit ReplyDirectoryPlus(RequestSlot& slot);
  bool add(std::string_view name, const EntryParam& entry, std::uint64_t next_offset);
  void done() &&;
  void formatted(std::span<const std::byte> records) &&;

 private:
  std::vector<std::byte> buffer_;
  DirentWriter writer_;
};

// CREATE and TMPFILE: the new entry and the open file in one answer.
class ReplyCreate : public ReplyBase {
 public:
  explicit ReplyCreate(RequestSlot& slot) : ReplyBase(slot) {}
  void created(const EntryParam& entry, const OpenResult& open) &&;
};

// WRITE and COPY_FILE_RANGE(_64): how many bytes were written.
class ReplyWrite : public ReplyBase {
 public:
  explicit ReplyWrite(RequestSlot& slot) : ReplyBase(slot) {}
  void written(std::uint64_t count) &&;
};

class ReplyReadlink : public ReplyBase {
 public:
  explicit ReplyReadlink(RequestSlot& slot) : ReplyBase(slot) {}
  void target(std::string_view link) &&;
};

// GETXATTR and LISTXATTR. The kernel either probes for the size (max_size() == 0) or
// offers a buffer; value() answers both correctly, ERANGE when the buffer is too small.
class ReplyXattr : public ReplyBase {
 public:
  explicit ReplyXattr(RequestSlot& slot) : ReplyBase(slot) {}
  std::uint32_t max_size() const { return ReplyBase::max_size(); }
  void value(std::span<const std::byte> data) &&;
  void value(std::string_view data) && { std::move(*this).value(std::as_bytes(std::span(data))); }
  // Just the size, for a probe (max_size() == 0).
  void size(std::uint32_t bytes) &&;
};

class ReplyLock : public ReplyBase {
 public:
  explicit ReplyLock(RequestSlot& slot) : ReplyBase(slot) {}
  void lock(const FileLock& conflicting) &&;  // type F_UNLCK when nothing conflicts
};

class ReplyBmap : public ReplyBase {
 public:
  explicit ReplyBmap(RequestSlot& slot) : ReplyBase(slot) {}
  void block(std::uint64_t device_block) &&;
};

class ReplyIoctl : public ReplyBase {
 public:
  explicit ReplyIoctl(RequestSlot& slot) : ReplyBase(slot) {}
  std::uint32_t max_size() const { return ReplyBase::max_size(); }
  // The ioctl's return value and the bytes to copy back to the caller (at most out_size).
  void result(std::int32_t result, std::span<const std::byte> out = {}) &&;
  // Unrestricted ioctls only: ask the kernel to call again with these ranges of the
  // caller's memory copied in and out.
  void retry(std::span<const IoctlIovec> in, std::span<const IoctlIovec> out) &&;
};

class ReplyPoll : public ReplyBase {
 public:
  explicit ReplyPoll(RequestSlot& slot) : ReplyBase(slot) {}
  void ready(std::uint32_t revents) &&;
};

class ReplyLseek : public ReplyBase {
 public:
  explicit ReplyLseek(RequestSlot& slot) : ReplyBase(slot) {}
  void offset(std::uint64_t off) &&;
};

class ReplyStatx : public ReplyBase {
 public:
  explicit ReplyStatx(RequestSlot& slot) : ReplyBase(slot) {}
  void statx(const struct statx& st, Timeout timeout) &&;
};

}  // namespace uringfuse
