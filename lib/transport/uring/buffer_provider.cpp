// NUMA-local, page-aligned, pre-faulted entry buffers.
#include "transport/uring/buffer_provider.hpp"

#include <numa.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>
#include <vector>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; Debian's 6.1 headers may predate glibc's
#endif

namespace uringfuse::detail {
namespace {

std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// The NUMA node of `cpu`, -1 if unknown. Asked of libnuma once, for every CPU, from
// one thread: libnuma 2.0.16 fills its node-mask cache without locking, and ring
// threads starting together each lose a mask to the race (LeakSanitizer sees it).
int numa_node_for(int cpu) {
  static const std::vector<int> nodes = [] {
    std::vector<int> out;
    if (numa_available() < 0) return out;
    const int cpus = numa_num_configured_cpus();
    for (int c = 0; c < cpus; ++c) out.push_back(numa_node_of_cpu(c));
    return out;
  }();
  return cpu >= 0 && static_cast<std::size_t>(cpu) < nodes.size() ? nodes[cpu] : -1;
}

class NumaBuffers final : public BufferProvider {
 public:
  NumaBuffers(int cpu, std::size_t entries, std::size_t payload_size)
      : header_stride_(round_up(sizeof(abi::fuse_uring_req_header), page_size())),
        payload_stride_(round_up(payload_size, page_size())),
        payload_size_(payload_size),
        size_(entries * (header_stride_ + payload_stride_)) {
    // Payloads first, from a 2 MiB boundary, and transparent huge pages asked for: the
    // kernel copies every request and reply through them, and with 4 KiB pages a
    // 1 MiB copy walks 256 TLB entries (costly in a VM with shadow paging).
    mapped_size_ = size_ + kHugePage;
    void* p = ::mmap(nullptr, mapped_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap ring buffers");
    mapped_ = static_cast<std::byte*>(p);
    base_ = mapped_ + (kHugePage - reinterpret_cast<std::uintptr_t>(mapped_) % kHugePage) % kHugePage;
    if (int node = numa_node_for(cpu); node >= 0) numa_tonode_memory(base_, size_, node);
    // Best effort both: without THP (or on older kernels) plain pages, faulted on use.
    ::madvise(base_, size_, MADV_HUGEPAGE);
    ::madvise(base_, size_, MADV_POPULATE_WRITE);
    entries_ = entries;
  }
  ~NumaBuffers() override { ::munmap(mapped_, mapped_size_); }

  EntryBuffers entry(std::size_t i) override {
    std::byte* payloads = base_;
    std::byte* headers = base_ + entries_ * payload_stride_;
    return {reinterpret_cast<abi::fuse_uring_req_header*>(headers + i * header_stride_),
            std::span<std::byte>(payloads + i * payload_stride_, payload_size_)};
  }
  std::size_t bytes() const override { return size_; }

 private:
  static constexpr std::size_t kHugePage = 2u << 20;
  std::size_t header_stride_, payload_stride_, payload_size_, size_;
  std::size_t entries_ = 0;
  std::byte* base_ = nullptr;    // 2 MiB aligned, within the mapping
  std::byte* mapped_ = nullptr;  // what mmap returned
  std::size_t mapped_size_ = 0;
};

}  // namespace

std::unique_ptr<BufferProvider> make_numa_buffers(int cpu, std::size_t entries,
                                                  std::size_t payload_size) {
  return std::make_unique<NumaBuffers>(cpu, entries, payload_size);
}

std::size_t uring_payload_size(std::size_t max_write, std::size_t max_pages, std::size_t page) {
  return round_up(std::max({std::size_t{8192}, max_write, max_pages * page}), page);
}

}  // namespace uringfuse::detail
