// What the kernel's file handles (fh) point at: an open source file, or an open source
// directory with its read position. Handles are heap objects; fh is their address.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <mutex>

#include "fd_util.hpp"

namespace passthrough {

struct FileHandle {
  explicit FileHandle(int fd_) : fd(fd_) {}
  UniqueFd fd;
  bool backing = false;  // counted in its Inode's backing_users (FUSE passthrough)

  std::uint64_t fh() { return reinterpret_cast<std::uintptr_t>(this); }
  static FileHandle& of(std::uint64_t fh) { return *reinterpret_cast<FileHandle*>(fh); }
};

struct DirHandle {
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
