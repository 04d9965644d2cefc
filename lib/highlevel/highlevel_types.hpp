// The high-level API's opaque types: a fuse is a lowlevel fuse_session whose
// operations (highlevel_ops.cpp) turn node ids into paths and call the path
// filesystem, a fuse_fs. Everything here runs on the public lowlevel C API, so a
// path filesystem gets what a lowlevel one gets, io_uring included.
#pragma once

#define FUSE_USE_VERSION 319
#include "uringfuse/fuse3/fuse.h"
#include "uringfuse/fuse3/fuse_lowlevel.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_set>

#include "highlevel/node_table.hpp"

namespace uringfuse::highlevel {

// Whose struct layouts a path filesystem was built with: those of our header
// (libfuse 3.19's), or those of Debian's libfuse 3.14 for a binary that runs on
// the libfuse3.so.3 drop-in. They differ in struct fuse_config (what init() gets)
// and fuse_bufvec (what read_buf returns and write_buf takes).
enum class CallerLayout { libfuse319, libfuse314 };

}  // namespace uringfuse::highlevel

struct fuse_fs {
  fuse_operations op{};
  uringfuse::highlevel::CallerLayout layout = uringfuse::highlevel::CallerLayout::libfuse319;
  void* user_data = nullptr;
  bool debug = false;
};

namespace uringfuse::highlevel {


// libfuse 3.14's struct fuse_config, for binaries built against it; libfuse 3.17
// moved no_rofd_flush behind debug. The fields up to nullpath_ok are also 3.16's.
struct FuseConfig314 {
  int set_gid;
  unsigned gid;
  int set_uid;
  unsigned uid;
  int set_mode;
  unsigned umask;
  double entry_timeout;
  double negative_timeout;
  double attr_timeout;
  int intr;
  int intr_signal;
  int remember;
  int hard_remove;
  int use_ino;
  int readdir_ino;
  int direct_io;
  int kernel_cache;
  int auto_cache;
  int no_rofd_flush;
  int ac_attr_timeout_set;
  double ac_attr_timeout;
  int nullpath_ok;
  int show_help;
  char* modules;
  int debug;
};

}  // namespace uringfuse::highlevel

struct fuse {
  fuse_session* se = nullptr;
  fuse_fs* fs = nullptr;  // fuse_fs_new()'s, freed by fuse_fs_destroy()
  fuse_config conf{};
  std::unique_ptr<uringfuse::highlevel::NodeTable> nodes;
  // Operations that take paths hold it shared while they run; those that change
  // names (unlink, rmdir, rename) hold it alone, so no path is built from a name
  // that is being changed (libfuse's tree locking, coarser).
  std::shared_mutex tree;
  std::atomic<unsigned> hidden_counter{0};
  // Directory handles opened and not yet released. Those the kernel never released,
  // because its connection ended first (SIGTERM, abort, a lazy unmount), are released
  // through the filesystem before its destroy(), so nothing it holds for them leaks.
  std::mutex open_dirs_mutex;
  std::unordered_set<void*> open_dirs;
  // -o remember: the cleanup thread.
  std::mutex cleanup_mutex;
  std::condition_variable cleanup_wake;
  std::thread cleanup_thread;
  bool cleanup_stop = false;
};
