// Compile-time pins of the FUSE 7.45 wire layouts in structs.hpp and uring.hpp:
// size, standard layout, trivial copyability and absence of hidden padding of
// every struct, plus the offsets the transports and decoders rely on.
#pragma once

#include <cstddef>
#include <type_traits>

#include "structs.hpp"
#include "uring.hpp"

namespace uringfuse::abi::detail {

// One static_assert per property so a failure names the struct and the rule.
template <class T, std::size_t Size>
constexpr bool check_wire_struct() {
  static_assert(std::is_standard_layout_v<T>, "wire struct must be standard-layout");
  static_assert(std::is_trivially_copyable_v<T>, "wire struct must be trivially copyable");
  // No implicit padding: every byte sent to the kernel belongs to a member.
  static_assert(std::has_unique_object_representations_v<T>,
                "wire struct must not contain implicit padding");
  static_assert(sizeof(T) == Size, "wire struct size differs from the kernel's");
  return true;
}

// Attribute records.
static_assert(check_wire_struct<fuse_attr, 88>());
static_assert(check_wire_struct<fuse_sx_time, 16>());
static_assert(check_wire_struct<fuse_statx, 256>());
static_assert(check_wire_struct<fuse_kstatfs, 80>());
static_assert(check_wire_struct<fuse_file_lock, 24>());

// Headers.
static_assert(check_wire_struct<fuse_in_header, 40>());
static_assert(check_wire_struct<fuse_out_header, 16>());

// Requests and replies.
static_assert(check_wire_struct<fuse_entry_out, 128>());
static_assert(check_wire_struct<fuse_forget_in, 8>());
static_assert(check_wire_struct<fuse_forget_one, 16>());
static_assert(check_wire_struct<fuse_batch_forget_in, 8>());
static_assert(check_wire_struct<fuse_getattr_in, 16>());
static_assert(check_wire_struct<fuse_attr_out, 104>());
static_assert(check_wire_struct<fuse_statx_in, 24>());
static_assert(check_wire_struct<fuse_statx_out, 288>());
static_assert(check_wire_struct<fuse_mknod_in, 16>());
static_assert(check_wire_struct<fuse_mkdir_in, 8>());
static_assert(check_wire_struct<fuse_rename_in, 8>());
static_assert(check_wire_struct<fuse_rename2_in, 16>());
static_assert(check_wire_struct<fuse_link_in, 8>());
static_assert(check_wire_struct<fuse_setattr_in, 88>());
static_assert(check_wire_struct<fuse_open_in, 8>());
static_assert(check_wire_struct<fuse_create_in, 16>());
static_assert(check_wire_struct<fuse_open_out, 16>());
static_assert(check_wire_struct<fuse_release_in, 24>());
static_assert(check_wire_struct<fuse_flush_in, 24>());
static_assert(check_wire_struct<fuse_read_in, 40>());
static_assert(check_wire_struct<fuse_write_in, 40>());
static_assert(check_wire_struct<fuse_write_out, 8>());
static_assert(check_wire_struct<fuse_statfs_out, 80>());
static_assert(check_wire_struct<fuse_fsync_in, 16>());
static_assert(check_wire_struct<fuse_setxattr_in, 16>());
static_assert(check_wire_struct<fuse_getxattr_in, 8>());
static_assert(check_wire_struct<fuse_getxattr_out, 8>());
static_assert(check_wire_struct<fuse_lk_in, 48>());
static_assert(check_wire_struct<fuse_lk_out, 24>());
static_assert(check_wire_struct<fuse_access_in, 8>());
static_assert(check_wire_struct<fuse_init_in, 64>());
static_assert(check_wire_struct<fuse_init_out, 64>());
static_assert(check_wire_struct<cuse_init_in, 16>());
static_assert(check_wire_struct<cuse_init_out, 72>());
static_assert(check_wire_struct<fuse_interrupt_in, 8>());
static_assert(check_wire_struct<fuse_bmap_in, 16>());
static_assert(check_wire_struct<fuse_bmap_out, 8>());
static_assert(check_wire_struct<fuse_ioctl_in, 32>());
static_assert(check_wire_struct<fuse_ioctl_iovec, 16>());
static_assert(check_wire_struct<fuse_ioctl_out, 16>());
static_assert(check_wire_struct<fuse_poll_in, 24>());
static_assert(check_wire_struct<fuse_poll_out, 8>());
static_assert(check_wire_struct<fuse_fallocate_in, 32>());
static_assert(check_wire_struct<fuse_lseek_in, 24>());
static_assert(check_wire_struct<fuse_lseek_out, 8>());
static_assert(check_wire_struct<fuse_copy_file_range_in, 56>());
static_assert(check_wire_struct<fuse_copy_file_range_out, 8>());
static_assert(check_wire_struct<fuse_syncfs_in, 8>());
static_assert(check_wire_struct<fuse_setupmapping_in, 40>());
static_assert(check_wire_struct<fuse_removemapping_in, 4>());
static_assert(check_wire_struct<fuse_removemapping_one, 16>());

// Directory records (fixed parts).
static_assert(check_wire_struct<fuse_dirent, 24>());
static_assert(check_wire_struct<fuse_direntplus, 152>());

// Notifications.
static_assert(check_wire_struct<fuse_notify_poll_wakeup_out, 8>());
static_assert(check_wire_struct<fuse_notify_inval_inode_out, 24>());
static_assert(check_wire_struct<fuse_notify_inval_entry_out, 16>());
static_assert(check_wire_struct<fuse_notify_delete_out, 24>());
static_assert(check_wire_struct<fuse_notify_store_out, 24>());
static_assert(check_wire_struct<fuse_notify_retrieve_out, 32>());
static_assert(check_wire_struct<fuse_notify_retrieve_in, 40>());
static_assert(check_wire_struct<fuse_notify_prune_out, 16>());

// Passthrough and extensions.
static_assert(check_wire_struct<fuse_backing_map, 16>());
static_assert(check_wire_struct<fuse_ext_header, 8>());
static_assert(check_wire_struct<fuse_supp_groups, 4>());
static_assert(check_wire_struct<fuse_secctx_header, 8>());
static_assert(check_wire_struct<fuse_secctx, 8>());

// io_uring.
static_assert(check_wire_struct<fuse_uring_ent_in_out, 32>());
static_assert(check_wire_struct<fuse_uring_req_header, 288>());
static_assert(check_wire_struct<fuse_uring_cmd_req, 24>());
static_assert(sizeof(fuse_uring_cmd_req) <= URING_SQE128_CMD_AREA_SZ);

// ---- Offsets -------------------------------------------------------------

static_assert(offsetof(fuse_in_header, len) == 0);
static_assert(offsetof(fuse_in_header, opcode) == 4);
static_assert(offsetof(fuse_in_header, unique) == 8);
static_assert(offsetof(fuse_in_header, nodeid) == 16);
static_assert(offsetof(fuse_in_header, uid) == 24);
static_assert(offsetof(fuse_in_header, gid) == 28);
static_assert(offsetof(fuse_in_header, pid) == 32);
static_assert(offsetof(fuse_in_header, total_extlen) == 36);
static_assert(offsetof(fuse_in_header, padding) == 38);

static_assert(offsetof(fuse_out_header, len) == 0);
static_assert(offsetof(fuse_out_header, error) == 4);
static_assert(offsetof(fuse_out_header, unique) == 8);

static_assert(offsetof(fuse_init_in, max_readahead) == 8);
static_assert(offsetof(fuse_init_in, flags) == 12);
static_assert(offsetof(fuse_init_in, flags2) == 16);
static_assert(offsetof(fuse_init_in, unused) == 20);

static_assert(offsetof(fuse_init_out, flags) == 12);
static_assert(offsetof(fuse_init_out, max_background) == 16);
static_assert(offsetof(fuse_init_out, congestion_threshold) == 18);
static_assert(offsetof(fuse_init_out, max_write) == 20);
static_assert(offsetof(fuse_init_out, time_gran) == 24);
static_assert(offsetof(fuse_init_out, max_pages) == 28);
static_assert(offsetof(fuse_init_out, map_alignment) == 30);
static_assert(offsetof(fuse_init_out, flags2) == 32);
static_assert(offsetof(fuse_init_out, max_stack_depth) == 36);
static_assert(offsetof(fuse_init_out, request_timeout) == 40);
static_assert(offsetof(fuse_init_out, unused) == 42);

static_assert(offsetof(fuse_attr, atimensec) == 48);
static_assert(offsetof(fuse_attr, mode) == 60);
static_assert(offsetof(fuse_attr, blksize) == 80);
static_assert(offsetof(fuse_attr, flags) == 84);

static_assert(offsetof(fuse_entry_out, entry_valid_nsec) == 32);
static_assert(offsetof(fuse_entry_out, attr) == 40);
static_assert(offsetof(fuse_attr_out, attr) == 16);

static_assert(offsetof(fuse_statx, mode) == 28);
static_assert(offsetof(fuse_statx, ino) == 32);
static_assert(offsetof(fuse_statx, atime) == 64);
static_assert(offsetof(fuse_statx, mtime) == 112);
static_assert(offsetof(fuse_statx, rdev_major) == 128);
static_assert(offsetof(fuse_statx, spare2) == 144);
static_assert(offsetof(fuse_statx_out, stat) == 32);

static_assert(offsetof(fuse_setattr_in, fh) == 8);
static_assert(offsetof(fuse_setattr_in, atimensec) == 56);
static_assert(offsetof(fuse_setattr_in, mode) == 68);
static_assert(offsetof(fuse_setattr_in, uid) == 76);

static_assert(offsetof(fuse_open_out, open_flags) == 8);
static_assert(offsetof(fuse_open_out, backing_id) == 12);

static_assert(offsetof(fuse_read_in, size) == 16);
static_assert(offsetof(fuse_read_in, lock_owner) == 24);
static_assert(offsetof(fuse_read_in, flags) == 32);
static_assert(offsetof(fuse_write_in, size) == 16);
static_assert(offsetof(fuse_write_in, write_flags) == 20);
static_assert(offsetof(fuse_write_in, lock_owner) == 24);
static_assert(offsetof(fuse_write_in, flags) == 32);
static_assert(offsetof(fuse_notify_retrieve_in, offset) == offsetof(fuse_write_in, offset));
static_assert(offsetof(fuse_notify_retrieve_in, size) == offsetof(fuse_write_in, size));
static_assert(sizeof(fuse_notify_retrieve_in) == sizeof(fuse_write_in));

static_assert(offsetof(fuse_lk_in, lk) == 16);
static_assert(offsetof(fuse_lk_in, lk_flags) == 40);

static_assert(offsetof(fuse_dirent, namelen) == 16);
static_assert(offsetof(fuse_dirent, type) == 20);
static_assert(offsetof(fuse_direntplus, dirent) == 128);
static_assert(dirent_name_offset() == 24);
static_assert(direntplus_name_offset() == 152);
static_assert(dirent_size(0) == 24 && dirent_size(1) == 32 && dirent_size(8) == 32 &&
              dirent_size(9) == 40);
static_assert(direntplus_size(1) == 160 && direntplus_size(8) == 160);

static_assert(offsetof(fuse_uring_req_header, in_out) == 0);
static_assert(offsetof(fuse_uring_req_header, op_in) == 128);
static_assert(offsetof(fuse_uring_req_header, ring_ent_in_out) == 256);
static_assert(offsetof(fuse_uring_ent_in_out, commit_id) == 8);
static_assert(offsetof(fuse_uring_ent_in_out, payload_sz) == 16);
static_assert(offsetof(fuse_uring_ent_in_out, padding) == 20);
static_assert(offsetof(fuse_uring_ent_in_out, reserved) == 24);
static_assert(offsetof(fuse_uring_cmd_req, commit_id) == 8);
static_assert(offsetof(fuse_uring_cmd_req, qid) == 16);
static_assert(offsetof(fuse_uring_cmd_req, padding) == 18);
static_assert(sizeof(fuse_in_header) <= URING_IN_OUT_HEADER_SZ);
static_assert(sizeof(fuse_out_header) <= URING_IN_OUT_HEADER_SZ);

static_assert(offsetof(fuse_backing_map, flags) == 4);
static_assert(offsetof(fuse_backing_map, padding) == 8);

// Compat sizes are prefixes of the current structs.
static_assert(COMPAT_ENTRY_OUT_SIZE < sizeof(fuse_entry_out));
static_assert(COMPAT_ATTR_OUT_SIZE < sizeof(fuse_attr_out));
static_assert(COMPAT_MKNOD_IN_SIZE == offsetof(fuse_mknod_in, umask));
static_assert(COMPAT_WRITE_IN_SIZE == offsetof(fuse_write_in, lock_owner));
static_assert(COMPAT_STATFS_SIZE == offsetof(fuse_kstatfs, frsize));
static_assert(COMPAT_SETXATTR_IN_SIZE == offsetof(fuse_setxattr_in, setxattr_flags));
static_assert(COMPAT_INIT_OUT_SIZE == offsetof(fuse_init_out, max_readahead));
static_assert(COMPAT_22_INIT_OUT_SIZE == offsetof(fuse_init_out, time_gran));

}  // namespace uringfuse::abi::detail
