// The structs of libfuse 2.9's high-level API, as a binary built against it (Debian
// 12's bindfs) lays them out: its fuse_operations, fuse_file_info and fuse_conn_info
// differ from libfuse 3's in order, members and size. fuse_context, fuse_args,
// fuse_opt and fuse_pollhandle did not change; fuse_bufvec has 3.14's layout
// (compat/bufvec_30.hpp). Declared from the layouts alone; the sizes are checked.
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <utime.h>

#include <cstddef>
#include <cstdint>
#include <ctime>

#include "compat/bufvec_30.hpp"

struct flock;
struct fuse_pollhandle;

namespace uringfuse::fuse2 {

struct FileInfo {
  int flags;
  unsigned long fh_old;  // before 2.9's 64-bit fh
  int writepage;
  unsigned int direct_io : 1;
  unsigned int keep_cache : 1;
  unsigned int flush : 1;
  unsigned int nonseekable : 1;
  unsigned int flock_release : 1;
  unsigned int padding : 27;
  std::uint64_t fh;
  std::uint64_t lock_owner;
};
static_assert(sizeof(FileInfo) == 40 && offsetof(FileInfo, fh) == 24);

struct ConnInfo {
  unsigned proto_major;
  unsigned proto_minor;
  unsigned async_read;
  unsigned max_write;
  unsigned max_readahead;
  unsigned capable;
  unsigned want;
  unsigned max_background;
  unsigned congestion_threshold;
  unsigned reserved[23];
};
static_assert(sizeof(ConnInfo) == 128);

// getdir's callback and handle (deprecated in 2.x, still called when a filesystem
// has no readdir).
struct DirHandle;
using DirFiller = int (*)(DirHandle*, const char* name, int type, ino_t ino);
// readdir's filler: no flags, unlike libfuse 3's.
using FillDir = int (*)(void* buf, const char* name, const struct stat* st, off_t off);

struct Operations {
  int (*getattr)(const char*, struct stat*);
  int (*readlink)(const char*, char*, size_t);
  int (*getdir)(const char*, DirHandle*, DirFiller);
  int (*mknod)(const char*, mode_t, dev_t);
  int (*mkdir)(const char*, mode_t);
  int (*unlink)(const char*);
  int (*rmdir)(const char*);
  int (*symlink)(const char*, const char*);
  int (*rename)(const char*, const char*);
  int (*link)(const char*, const char*);
  int (*chmod)(const char*, mode_t);
  int (*chown)(const char*, uid_t, gid_t);
  int (*truncate)(const char*, off_t);
  int (*utime)(const char*, struct utimbuf*);
  int (*open)(const char*, FileInfo*);
  int (*read)(const char*, char*, size_t, off_t, FileInfo*);
  int (*write)(const char*, const char*, size_t, off_t, FileInfo*);
  int (*statfs)(const char*, struct statvfs*);
  int (*flush)(const char*, FileInfo*);
  int (*release)(const char*, FileInfo*);
  int (*fsync)(const char*, int, FileInfo*);
  int (*setxattr)(const char*, const char*, const char*, size_t, int);
  int (*getxattr)(const char*, const char*, char*, size_t);
  int (*listxattr)(const char*, char*, size_t);
  int (*removexattr)(const char*, const char*);
  int (*opendir)(const char*, FileInfo*);
  int (*readdir)(const char*, void*, FillDir, off_t, FileInfo*);
  int (*releasedir)(const char*, FileInfo*);
  int (*fsyncdir)(const char*, int, FileInfo*);
  void* (*init)(ConnInfo*);
  void (*destroy)(void*);
  int (*access)(const char*, int);
  int (*create)(const char*, mode_t, FileInfo*);
  int (*ftruncate)(const char*, off_t, FileInfo*);
  int (*fgetattr)(const char*, struct stat*, FileInfo*);
  int (*lock)(const char*, FileInfo*, int cmd, struct flock*);
  int (*utimens)(const char*, const struct timespec tv[2]);
  int (*bmap)(const char*, size_t blocksize, std::uint64_t* idx);
  unsigned int flag_nullpath_ok : 1;
  unsigned int flag_nopath : 1;
  unsigned int flag_utime_omit_ok : 1;
  unsigned int flag_reserved : 29;
  int (*ioctl)(const char*, int cmd, void* arg, FileInfo*, unsigned int flags, void* data);
  int (*poll)(const char*, FileInfo*, struct fuse_pollhandle* ph, unsigned* reventsp);
  int (*write_buf)(const char*, compat::fuse_bufvec_30* buf, off_t off, FileInfo*);
  int (*read_buf)(const char*, compat::fuse_bufvec_30** bufp, size_t size, off_t off, FileInfo*);
  int (*flock)(const char*, FileInfo*, int op);
  int (*fallocate)(const char*, int, off_t, off_t, FileInfo*);
};
static_assert(offsetof(Operations, ioctl) == 38 * sizeof(void*) + 8 && sizeof(Operations) == 360);

}  // namespace uringfuse::fuse2
