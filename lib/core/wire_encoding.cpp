// Encoding of attributes, entries, statfs and open results into kernel structs.
#include "core/wire_encoding.hpp"

#include <cmath>
#include <limits>

namespace uringfuse::detail {

WireTimeout to_wire(Timeout t) {
  double s = t.count();
  if (!(s > 0)) return {};  // negative and NaN mean "do not cache"
  if (s >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) return {~0ull >> 1, 0};
  double whole = std::floor(s);
  auto nsec = static_cast<std::uint32_t>((s - whole) * 1e9);
  return {static_cast<std::uint64_t>(whole), std::min<std::uint32_t>(nsec, 999'999'999)};
}

abi::fuse_attr to_wire_attr(const struct stat& st) {
  abi::fuse_attr a{};
  a.ino = st.st_ino;
  a.size = static_cast<std::uint64_t>(st.st_size);
  a.blocks = static_cast<std::uint64_t>(st.st_blocks);
  a.atime = static_cast<std::uint64_t>(st.st_atim.tv_sec);
  a.mtime = static_cast<std::uint64_t>(st.st_mtim.tv_sec);
  a.ctime = static_cast<std::uint64_t>(st.st_ctim.tv_sec);
  a.atimensec = static_cast<std::uint32_t>(st.st_atim.tv_nsec);
  a.mtimensec = static_cast<std::uint32_t>(st.st_mtim.tv_nsec);
  a.ctimensec = static_cast<std::uint32_t>(st.st_ctim.tv_nsec);
  a.mode = st.st_mode;
  a.nlink = static_cast<std::uint32_t>(st.st_nlink);
  a.uid = st.st_uid;
  a.gid = st.st_gid;
  a.rdev = static_cast<std::uint32_t>(st.st_rdev);
  a.blksize = static_cast<std::uint32_t>(st.st_blksize);
  return a;
}

abi::fuse_entry_out to_wire_entry(const EntryParam& e) {
  abi::fuse_entry_out o{};
  o.nodeid = e.ino;
  o.generation = e.generation;
  auto entry = to_wire(e.entry_timeout);
  auto attr = to_wire(e.attr_timeout);
  o.entry_valid = entry.sec;
  o.entry_valid_nsec = entry.nsec;
  o.attr_valid = attr.sec;
  o.attr_valid_nsec = attr.nsec;
  o.attr = to_wire_attr(e.attr);
  return o;
}

abi::fuse_kstatfs to_wire_statfs(const struct statvfs& st) {
  abi::fuse_kstatfs k{};
  k.blocks = st.f_blocks;
  k.bfree = st.f_bfree;
  k.bavail = st.f_bavail;
  k.files = st.f_files;
  k.ffree = st.f_ffree;
  k.bsize = static_cast<std::uint32_t>(st.f_bsize);
  k.namelen = static_cast<std::uint32_t>(st.f_namemax);
  k.frsize = static_cast<std::uint32_t>(st.f_frsize);
  return k;
}

abi::fuse_open_out to_wire_open(const OpenResult& r) {
  abi::fuse_open_out o{};
  o.fh = r.fh;
  if (r.direct_io) o.open_flags |= abi::fopen::DIRECT_IO;
  if (r.keep_cache) o.open_flags |= abi::fopen::KEEP_CACHE;
  if (r.nonseekable) o.open_flags |= abi::fopen::NONSEEKABLE;
  if (r.cache_dir) o.open_flags |= abi::fopen::CACHE_DIR;
  if (r.stream) o.open_flags |= abi::fopen::STREAM;
  if (r.noflush) o.open_flags |= abi::fopen::NOFLUSH;
  if (r.parallel_direct_writes) o.open_flags |= abi::fopen::PARALLEL_DIRECT_WRITES;
  if (r.backing_id > 0) {
    // The kernel refuses KEEP_CACHE on a passthrough open (the open fails with EIO);
    // there is no daemon-side page cache to keep anyway.
    o.open_flags = (o.open_flags & ~abi::fopen::KEEP_CACHE) | abi::fopen::PASSTHROUGH;
    o.backing_id = r.backing_id;
  }
  return o;
}

static abi::fuse_sx_time to_wire_time(const struct statx_timestamp& t) {
  abi::fuse_sx_time w{};
  w.tv_sec = t.tv_sec;
  w.tv_nsec = t.tv_nsec;
  return w;
}

abi::fuse_statx to_wire_statx(const struct statx& st) {
  abi::fuse_statx w{};
  w.mask = st.stx_mask;
  w.blksize = st.stx_blksize;
  w.attributes = st.stx_attributes;
  w.nlink = st.stx_nlink;
  w.uid = st.stx_uid;
  w.gid = st.stx_gid;
  w.mode = st.stx_mode;
  w.ino = st.stx_ino;
  w.size = st.stx_size;
  w.blocks = st.stx_blocks;
  w.attributes_mask = st.stx_attributes_mask;
  w.atime = to_wire_time(st.stx_atime);
  w.btime = to_wire_time(st.stx_btime);
  w.ctime = to_wire_time(st.stx_ctime);
  w.mtime = to_wire_time(st.stx_mtime);
  w.rdev_major = st.stx_rdev_major;
  w.rdev_minor = st.stx_rdev_minor;
  w.dev_major = st.stx_dev_major;
  w.dev_minor = st.stx_dev_minor;
  return w;
}

abi::fuse_file_lock to_wire_lock(const FileLock& l) {
  return abi::fuse_file_lock{l.start, l.end, l.type, l.pid};
}

FileLock from_wire_lock(const abi::fuse_file_lock& l) { return FileLock{l.start, l.end, l.type, l.pid}; }

}  // namespace uringfuse::detail
