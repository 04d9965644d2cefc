// One declarative row per opcode: the fixed argument struct, how many NUL-terminated
// names follow it, whether variable data may follow, and whether the kernel waits for
// a reply. The request parser validates every request against it before any handler
// runs, and the -d trace prints its names.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "abi/fuse_abi.hpp"

namespace uringfuse::detail {

struct OpTraits {
  std::string_view name = {};
  std::uint32_t in_size = 0;   // the fixed argument struct that comes first
  std::uint8_t names = 0;      // NUL-terminated strings after it
  bool data_tail = false;      // variable data may follow the names
  bool replies = true;         // FORGET and friends are never answered
  bool known = false;
};

namespace op_traits_table {

using abi::Opcode;

constexpr OpTraits row(std::string_view name, std::uint32_t in_size, std::uint8_t names = 0,
                       bool data_tail = false, bool replies = true) {
  return OpTraits{name, in_size, names, data_tail, replies, true};
}

// Indexed by opcode; gaps (7, 19) stay unknown.
constexpr std::array<OpTraits, 54> make() {
  using namespace abi;
  std::array<OpTraits, 54> t{};
  auto set = [&t](Opcode op, OpTraits r) { t[static_cast<std::uint32_t>(op)] = r; };
  set(Opcode::LOOKUP, row("LOOKUP", 0, 1));
  set(Opcode::FORGET, row("FORGET", sizeof(fuse_forget_in), 0, false, false));
  set(Opcode::GETATTR, row("GETATTR", sizeof(fuse_getattr_in)));
  set(Opcode::SETATTR, row("SETATTR", sizeof(fuse_setattr_in)));
  set(Opcode::READLINK, row("READLINK", 0));
  set(Opcode::SYMLINK, row("SYMLINK", 0, 2));
  set(Opcode::MKNOD, row("MKNOD", sizeof(fuse_mknod_in), 1));
  set(Opcode::MKDIR, row("MKDIR", sizeof(fuse_mkdir_in), 1));
  set(Opcode::UNLINK, row("UNLINK", 0, 1));
  set(Opcode::RMDIR, row("RMDIR", 0, 1));
  set(Opcode::RENAME, row("RENAME", sizeof(fuse_rename_in), 2));
  set(Opcode::LINK, row("LINK", sizeof(fuse_link_in), 1));
  set(Opcode::OPEN, row("OPEN", sizeof(fuse_open_in)));
  set(Opcode::READ, row("READ", sizeof(fuse_read_in)));
  set(Opcode::WRITE, row("WRITE", sizeof(fuse_write_in), 0, true));
  set(Opcode::STATFS, row("STATFS", 0));
  set(Opcode::RELEASE, row("RELEASE", sizeof(fuse_release_in)));
  set(Opcode::FSYNC, row("FSYNC", sizeof(fuse_fsync_in)));
  // Without SETXATTR_EXT the kernel sends only the first 8 bytes; the parser widens it.
  set(Opcode::SETXATTR, row("SETXATTR", COMPAT_SETXATTR_IN_SIZE, 1, true));
  set(Opcode::GETXATTR, row("GETXATTR", sizeof(fuse_getxattr_in), 1));
  set(Opcode::LISTXATTR, row("LISTXATTR", sizeof(fuse_getxattr_in)));
  set(Opcode::REMOVEXATTR, row("REMOVEXATTR", 0, 1));
  set(Opcode::FLUSH, row("FLUSH", sizeof(fuse_flush_in)));
  // Old kernels send a shorter fuse_init_in; negotiation reads what is there.
  set(Opcode::INIT, row("INIT", 8, 0, true));
  set(Opcode::OPENDIR, row("OPENDIR", sizeof(fuse_open_in)));
  set(Opcode::READDIR, row("READDIR", sizeof(fuse_read_in)));
  set(Opcode::RELEASEDIR, row("RELEASEDIR", sizeof(fuse_release_in)));
  set(Opcode::FSYNCDIR, row("FSYNCDIR", sizeof(fuse_fsync_in)));
  set(Opcode::GETLK, row("GETLK", sizeof(fuse_lk_in)));
  set(Opcode::SETLK, row("SETLK", sizeof(fuse_lk_in)));
  set(Opcode::SETLKW, row("SETLKW", sizeof(fuse_lk_in)));
  set(Opcode::ACCESS, row("ACCESS", sizeof(fuse_access_in)));
  set(Opcode::CREATE, row("CREATE", sizeof(fuse_create_in), 1));
  set(Opcode::INTERRUPT, row("INTERRUPT", sizeof(fuse_interrupt_in), 0, false, false));
  set(Opcode::BMAP, row("BMAP", sizeof(fuse_bmap_in)));
  set(Opcode::DESTROY, row("DESTROY", 0));
  set(Opcode::IOCTL, row("IOCTL", sizeof(fuse_ioctl_in), 0, true));
  set(Opcode::POLL, row("POLL", sizeof(fuse_poll_in)));
  set(Opcode::NOTIFY_REPLY, row("NOTIFY_REPLY", sizeof(fuse_notify_retrieve_in), 0, true, false));
  set(Opcode::BATCH_FORGET, row("BATCH_FORGET", sizeof(fuse_batch_forget_in), 0, true, false));
  set(Opcode::FALLOCATE, row("FALLOCATE", sizeof(fuse_fallocate_in)));
  set(Opcode::READDIRPLUS, row("READDIRPLUS", sizeof(fuse_read_in)));
  set(Opcode::RENAME2, row("RENAME2", sizeof(fuse_rename2_in), 2));
  set(Opcode::LSEEK, row("LSEEK", sizeof(fuse_lseek_in)));
  set(Opcode::COPY_FILE_RANGE, row("COPY_FILE_RANGE", sizeof(fuse_copy_file_range_in)));
  set(Opcode::SETUPMAPPING, row("SETUPMAPPING", sizeof(fuse_setupmapping_in)));
  set(Opcode::REMOVEMAPPING, row("REMOVEMAPPING", sizeof(fuse_removemapping_in), 0, true));
  set(Opcode::SYNCFS, row("SYNCFS", sizeof(fuse_syncfs_in)));
  set(Opcode::TMPFILE, row("TMPFILE", sizeof(fuse_create_in), 1));
  set(Opcode::STATX, row("STATX", sizeof(fuse_statx_in)));
  set(Opcode::COPY_FILE_RANGE_64, row("COPY_FILE_RANGE_64", sizeof(fuse_copy_file_range_in)));
  return t;
}

inline constexpr auto kTable = make();
inline constexpr OpTraits kUnknown{"UNKNOWN"};

}  // namespace op_traits_table

constexpr const OpTraits& op_traits(std::uint32_t opcode) {
  return opcode < op_traits_table::kTable.size() && op_traits_table::kTable[opcode].known
             ? op_traits_table::kTable[opcode]
             : op_traits_table::kUnknown;
}

}  // namespace uringfuse::detail
