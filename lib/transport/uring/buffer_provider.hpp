// Where a ring entry's buffers come from. Today: a header area and a payload buffer
// per entry, page-aligned and NUMA-local, handed to the kernel with REGISTER.
// Kernel-managed buffer rings and zero-copy (posted upstream for later kernels) are
// meant to slot in as other providers behind this interface.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "abi/fuse_abi.hpp"

namespace uringfuse::detail {

struct EntryBuffers {
  abi::fuse_uring_req_header* header = nullptr;
  std::span<std::byte> payload;
};

class BufferProvider {
 public:
  virtual ~BufferProvider() = default;
  virtual EntryBuffers entry(std::size_t index) = 0;
  virtual std::size_t bytes() const = 0;  // memory this provider holds
};

// One anonymous mapping per queue, bound to the NUMA node of `cpu` (libnuma, when
// NUMA is available) and pre-faulted so the first request does not pay for it.
// Throws std::system_error when memory cannot be had.
std::unique_ptr<BufferProvider> make_numa_buffers(int cpu, std::size_t entries,
                                                  std::size_t payload_size);

// Makes one queue's buffers; make_numa_buffers unless another provider (or a test
// injecting an allocation failure) is configured. Called once per queue at start-up.
using BufferFactory = std::unique_ptr<BufferProvider> (*)(int cpu, std::size_t entries,
                                                          std::size_t payload_size);

// Payload bytes an entry needs for the negotiated limits (the kernel refuses less).
std::size_t uring_payload_size(std::size_t max_write, std::size_t max_pages, std::size_t page);

}  // namespace uringfuse::detail
