// io_uring pieces that need no kernel: the possible-CPU list the queue count comes
// from, and the payload size the kernel demands for the negotiated limits.
#include <gtest/gtest.h>

#include <set>

#include "transport/uring/buffer_provider.hpp"
#include "transport/uring/cpu_topology.hpp"

namespace uringfuse::test {
namespace {

TEST(CpuTopology, ParsesKernelCpuLists) {
  EXPECT_EQ(detail::parse_cpu_list("0-1\n"), (std::vector<int>{0, 1}));
  EXPECT_EQ(detail::parse_cpu_list("0"), (std::vector<int>{0}));
  EXPECT_EQ(detail::parse_cpu_list("0-2,5,7-8"), (std::vector<int>{0, 1, 2, 5, 7, 8}));
  EXPECT_TRUE(detail::parse_cpu_list("").empty());
  EXPECT_TRUE(detail::parse_cpu_list("3-1").empty());
  EXPECT_TRUE(detail::parse_cpu_list("a-b").empty());
  EXPECT_GE(detail::uring_queue_count(), detail::possible_cpus().size());
}

TEST(RingBuffers, PayloadCoversTheKernelMinimum) {
  EXPECT_EQ(detail::uring_payload_size(4096, 1, 4096), 8192u);           // at least 8 KiB
  EXPECT_EQ(detail::uring_payload_size(1 << 20, 256, 4096), 1u << 20);   // max_write
  EXPECT_EQ(detail::uring_payload_size(1 << 20, 300, 4096), 300u * 4096);  // max_pages wins
  EXPECT_EQ(detail::uring_payload_size(100000, 0, 4096), 102400u);       // page-rounded
}

TEST(RingBuffers, EntriesArePageAlignedAndDisjoint) {
  auto buffers = detail::make_numa_buffers(0, 4, 8192);
  std::set<std::byte*> seen;
  for (std::size_t i = 0; i < 4; ++i) {
    auto e = buffers->entry(i);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(e.header) % 4096, 0u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(e.payload.data()) % 4096, 0u);
    EXPECT_EQ(e.payload.size(), 8192u);
    e.payload[8191] = std::byte{1};  // writable end to end
    EXPECT_TRUE(seen.insert(e.payload.data()).second);
  }
  EXPECT_GE(buffers->bytes(), 4u * (4096 + 8192));
  // Payloads start on a huge-page boundary, so transparent huge pages can back them.
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffers->entry(0).payload.data()) % (2u << 20), 0u);
  // Headers live apart from the payloads, never inside one.
  auto* last_payload_end = buffers->entry(3).payload.data() + 8192;
  EXPECT_GE(reinterpret_cast<std::byte*>(buffers->entry(0).header), last_payload_end);
}

}  // namespace
}  // namespace uringfuse::test
