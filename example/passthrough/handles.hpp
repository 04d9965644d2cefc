// What the kernel's file handles (fh) point at: an open source file, or an open source
// directory with its read position. Handles are heap objects; fh is their address.
// Each is also listed in an OpenHandles, so the ones the kernel never releases (the
// connection aborted, or the daemon stopped with files still open) are closed at
// destroy instead of leaking.
#pragma once

#include <dirent.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>

#include "fd_util.hpp"

namespace passthrough {

// The links of an OpenHandles list, inside each handle (no allocation per open).
template <class T>
struct Listed {
  T* prev_open = nullptr;
  T* next_open = nullptr;
};

template <class T>
class OpenHandles {
 public:
  OpenHandles() = default;
  OpenHandles(const OpenHandles&) = delete;
  OpenHandles& operator=(const OpenHandles&) = delete;
  ~OpenHandles() { close_all(); }

  // Takes ownership of a new handle and returns it.
  T* add(T* handle) {
    std::lock_guard lock(mutex_);
    handle->next_open = head_;
    if (head_) head_->prev_open = handle;
    head_ = handle;
    return handle;
  }
  // Unlists and deletes a handle the kernel released.
  void close(T* handle) {
    {
      std::lock_guard lock(mutex_);
      if (handle->prev_open) handle->prev_open->next_open = handle->next_open;
      else head_ = handle->next_open;
      if (handle->next_open) handle->next_open->prev_open = handle->prev_open;
    }
    delete handle;
  }
  // Deletes every handle still open; returns how many there were.
  std::size_t close_all() {
    T* h;
    {
      std::lock_guard lock(mutex_);
      h = std::exchange(head_, nullptr);
    }
    std::size_t n = 0;
    for (; h; ++n) delete std::exchange(h, h->next_open);
    return n;
  }

 private:
  std::mutex mutex_;
  T* head_ = nullptr;
};

struct FileHandle : Listed<FileHandle> {
  explicit FileHandle(int fd_) : fd(fd_) {}
  UniqueFd fd;
  // For a caller's O_DIRECT open: the same file opened O_DIRECT for reading, so its
  // reads reach the disk as they would on the source itself. Used for reads that
  // are block-aligned in offset, length and memory; the rest go through `fd`.
  UniqueFd direct_fd;
  bool backing = false;  // counted in its Inode's backing_users (FUSE passthrough)

  static constexpr std::uint64_t kDirectAlign = 4096;
  int read_fd(std::uint64_t offset, std::size_t size, bool aligned_memory) const {
    const bool aligned = aligned_memory && offset % kDirectAlign == 0 && size % kDirectAlign == 0;
    return direct_fd && aligned ? direct_fd.get() : fd.get();
  }

  std::uint64_t fh() { return reinterpret_cast<std::uintptr_t>(this); }
  static FileHandle& of(std::uint64_t fh) { return *reinterpret_cast<FileHandle*>(fh); }
};

struct DirHandle : Listed<DirHandle> {
  explicit DirHandle(DIR* dir_) : dir(dir_) {}
  ~DirHandle() { ::closedir(dir); }
  DirHandle(const DirHandle&) = delete;
  DirHandle& operator=(const DirHandle&) = delete;

  DIR* const dir;
  std::mutex mutex;  // readdir calls on one handle may come from different threads
  // The telldir() offset after the last entry handed to the kernel; the kernel passes
  // it back to continue, and a different value means it seeked.
  long offset = 0;

  std::uint64_t fh() { return reinterpret_cast<std::uintptr_t>(this); }
  static DirHandle& of(std::uint64_t fh) { return *reinterpret_cast<DirHandle*>(fh); }
};

}  // namespace passthrough
