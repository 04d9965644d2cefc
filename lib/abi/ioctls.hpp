// ioctl request numbers understood by /dev/fuse (protocol 7.45): cloning a
// session fd, registering passthrough backing files, synchronous INIT.
// Encoded with the system's _IO/_IOR/_IOW so they are right on every arch.
#pragma once

#include <sys/ioctl.h>

#include <cstdint>

#include "structs.hpp"

namespace uringfuse::abi {

inline constexpr uint32_t DEV_IOC_MAGIC = 229;

// Argument: pointer to the uint32_t fd of the session to attach to.
inline constexpr uint32_t DEV_IOC_CLONE = static_cast<uint32_t>(_IOR(DEV_IOC_MAGIC, 0, uint32_t));
// Argument: pointer to fuse_backing_map; returns a backing id (> 0).
inline constexpr uint32_t DEV_IOC_BACKING_OPEN =
    static_cast<uint32_t>(_IOW(DEV_IOC_MAGIC, 1, fuse_backing_map));
// Argument: pointer to the uint32_t backing id.
inline constexpr uint32_t DEV_IOC_BACKING_CLOSE =
    static_cast<uint32_t>(_IOW(DEV_IOC_MAGIC, 2, uint32_t));
// No argument.
inline constexpr uint32_t DEV_IOC_SYNC_INIT = _IO(DEV_IOC_MAGIC, 3);

// The numbers below use the common (asm-generic) ioctl encoding shared by
// x86, arm, arm64, riscv, s390 and loongarch; other arches encode differently.
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) || \
    defined(__riscv) || defined(__s390__) || defined(__loongarch__)
static_assert(DEV_IOC_CLONE == 0x8004e500u);
static_assert(DEV_IOC_BACKING_OPEN == 0x4010e501u);
static_assert(DEV_IOC_BACKING_CLOSE == 0x4004e502u);
static_assert(DEV_IOC_SYNC_INIT == 0xe503u);
#endif

}  // namespace uringfuse::abi
