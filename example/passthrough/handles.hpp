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
  bool backing = false;  // counted in its Inode's backing_users (FUSE passthrough)

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
