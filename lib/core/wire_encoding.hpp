// Conversions from the C++ API's value types to the kernel's reply structs.
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>

#include "abi/fuse_abi.hpp"
#include "uringfuse/operation_args.hpp"
#include "uringfuse/types.hpp"

namespace uringfuse::detail {

struct WireTimeout {
  std::uint64_t sec = 0;
  std::uint32_t nsec = 0;
};

WireTimeout to_wire(Timeout t);
abi::fuse_attr to_wire_attr(const struct stat& st);
abi::fuse_entry_out to_wire_entry(const EntryParam& e);
abi::fuse_kstatfs to_wire_statfs(const struct statvfs& st);
abi::fuse_open_out to_wire_open(const OpenResult& r);

}  // namespace uringfuse::detail

namespace uringfuse::detail {
abi::fuse_statx to_wire_statx(const struct statx& st);
abi::fuse_file_lock to_wire_lock(const FileLock& l);
FileLock from_wire_lock(const abi::fuse_file_lock& l);
}  // namespace uringfuse::detail
