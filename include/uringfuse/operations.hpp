// Which Filesystem operations a type overrides, found at compile time. The session uses
// it to pick default capabilities (readdirplus only if it is implemented, ...) and to
// answer like libfuse for missing ones; the C API builds the same set from its op table.
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <concepts>
#include <cstdint>
#include <type_traits>

#include "uringfuse/filesystem.hpp"

namespace uringfuse {

// One X-macro list so the enum and the detection cannot drift apart.
#define URINGFUSE_OPERATIONS(X)                                                            \
  X(lookup) X(forget) X(batch_forget) X(getattr) X(open) X(read) X(flush) X(release)     \
  X(opendir) X(readdir) X(readdirplus) X(releasedir) X(statfs) X(access) X(setattr)          \
  X(readlink) X(symlink) X(mknod) X(mkdir) X(unlink) X(rmdir) X(rename) X(link) X(create)    \
  X(tmpfile) X(write) X(fsync) X(fsyncdir) X(fallocate) X(lseek) X(copy_file_range) X(bmap)  \
  X(ioctl) X(poll) X(statx) X(syncfs) X(setxattr) X(getxattr) X(listxattr) X(removexattr)    \
  X(getlk) X(setlk) X(flock)

enum class Operation : unsigned {
#define URINGFUSE_ENUM_ENTRY(name) name,
  URINGFUSE_OPERATIONS(URINGFUSE_ENUM_ENTRY)
#undef URINGFUSE_ENUM_ENTRY
};

class OperationSet {
 public:
  constexpr OperationSet() = default;
  static constexpr OperationSet all() { return OperationSet(~std::uint64_t{0}); }
  constexpr bool has(Operation op) const { return bits_ & mask(op); }
  constexpr void add(Operation op) { bits_ |= mask(op); }
  constexpr void remove(Operation op) { bits_ &= ~mask(op); }

 private:
  constexpr explicit OperationSet(std::uint64_t bits) : bits_(bits) {}
  static constexpr std::uint64_t mask(Operation op) {
    return std::uint64_t{1} << static_cast<unsigned>(op);
  }
  std::uint64_t bits_ = 0;
};

// &T::op names Filesystem::op unless T (or a base between) declares its own.
template <std::derived_from<Filesystem> T>
constexpr OperationSet implemented_operations() {
  if constexpr (std::is_same_v<T, Filesystem>) {
    // Static type unknown: assume no optional operation, so no capability is asked
    // for that an unimplemented handler would then refuse (readdirplus, locks).
    return OperationSet{};
  } else {
    OperationSet set;
#define URINGFUSE_DETECT(name) \
  if (!std::is_same_v<decltype(&T::name), decltype(&Filesystem::name)>) set.add(Operation::name);
    URINGFUSE_OPERATIONS(URINGFUSE_DETECT)
#undef URINGFUSE_DETECT
    return set;
  }
}

}  // namespace uringfuse
