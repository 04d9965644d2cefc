// FUSE-over-io_uring kernel ABI (protocol 7.42+): the per-entry header buffer
// the kernel fills and reads, and the command placed in a 128-byte SQE's
// command area for IORING_OP_URING_CMD on /dev/fuse.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uringfuse::abi {

// Sizes of the two fixed slots at the start of fuse_uring_req_header.
inline constexpr std::size_t URING_IN_OUT_HEADER_SZ = 128;
inline constexpr std::size_t URING_OP_IN_OUT_SZ = 128;

// The kernel's names are macros in <linux/fuse.h>; define them here only when
// that header has not been included (they have the same values).
#ifndef FUSE_URING_IN_OUT_HEADER_SZ
inline constexpr std::size_t FUSE_URING_IN_OUT_HEADER_SZ = URING_IN_OUT_HEADER_SZ;
#endif
#ifndef FUSE_URING_OP_IN_OUT_SZ
inline constexpr std::size_t FUSE_URING_OP_IN_OUT_SZ = URING_OP_IN_OUT_SZ;
#endif

// Size of the command area of an IORING_SETUP_SQE128 submission entry, where
// fuse_uring_cmd_req is placed.
inline constexpr std::size_t URING_SQE128_CMD_AREA_SZ = 80;

struct fuse_uring_ent_in_out {
  uint64_t flags;
  uint64_t commit_id;   // set by the kernel; echoed in COMMIT_AND_FETCH
  uint32_t payload_sz;  // bytes used in the entry's payload buffer
  uint32_t padding;
  uint64_t reserved;
};

// Header buffer of one ring entry (first iovec of REGISTER).
struct fuse_uring_req_header {
  // Request: fuse_in_header.  Reply: fuse_out_header.
  char in_out[URING_IN_OUT_HEADER_SZ];
  // The opcode's fixed argument struct (empty when its first argument is a
  // name).  Everything else travels in the payload buffer.
  char op_in[URING_OP_IN_OUT_SZ];
  fuse_uring_ent_in_out ring_ent_in_out;
};

// SQE cmd_op values.
enum class UringCmd : uint32_t {
  INVALID = 0,
  REGISTER = 1,          // hand an entry's buffers to the kernel, wait for a request
  COMMIT_AND_FETCH = 2,  // complete the entry's request, wait for the next one
};

struct fuse_uring_cmd_req {
  uint64_t flags;
  uint64_t commit_id;  // 0 for REGISTER
  uint16_t qid;        // queue index (one queue per possible CPU)
  uint8_t padding[6];
};

static_assert(sizeof(fuse_uring_cmd_req) <= URING_SQE128_CMD_AREA_SZ,
              "fuse_uring_cmd_req must fit in the SQE128 command area");

}  // namespace uringfuse::abi
