// Fuzz target: arbitrary bytes as one request from the kernel, after a normal INIT,
// through the real parser, dispatcher and reply encoders (the fake kernel of the unit
// tests). Half the inputs arrive as /dev/fuse delivers them (one buffer), half the
// way a ring entry does (header, op struct and payload apart). Sanitizers catch
// memory errors; the checks below catch a request answered more than once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "../unit/fake_kernel.hpp"
#include "../unit/test_filesystem.hpp"

namespace uf = uringfuse;

namespace {

// A connection after INIT; made again once an input ended it (DESTROY).
uf::test::FakeKernel& kernel() {
  static uf::test::RecordingFs fs;
  static std::unique_ptr<uf::test::FakeKernel> k;
  if (!k || k->ended()) {
    k.reset();
    k = std::make_unique<uf::test::FakeKernel>(fs, uf::implemented_operations<uf::test::RecordingFs>());
    if (k->init().error != 0) std::abort();
  }
  return *k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  uf::test::FakeKernel& k = kernel();
  const bool ring_layout = data[0] & 1;
  auto bytes = std::span(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  std::vector<uf::test::CapturedReply> replies;
  if (!ring_layout) {
    replies = k.feed(bytes);
  } else {
    // Ring entry: fuse_in_header, then the 128-byte op_in area, then the payload.
    constexpr std::size_t kHeader = sizeof(uf::abi::fuse_in_header), kOpIn = 128;
    auto header = bytes.first(std::min(bytes.size(), kHeader));
    auto rest = bytes.subspan(header.size());
    auto op_in = rest.first(std::min(rest.size(), kOpIn));
    auto payload = rest.subspan(op_in.size());
    uf::detail::RawRequest raw{header, op_in, payload, true, kHeader + payload.size(), "fuzz"};
    uf::test::ReplyCapture capture;
    static auto slots = uf::detail::SlotPool::make();
    uf::detail::handle_with_slot(k.connection(), raw, capture, *slots);
    replies = capture.take();
  }
  // One answer per request, plus at most one EAGAIN for a stale parked interrupt.
  if (replies.size() > 2) std::abort();
  k.take();
  return 0;
}
