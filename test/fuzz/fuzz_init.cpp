// Fuzz target: INIT negotiation. The input is the body of the kernel's INIT (the
// fuse_init_in struct and anything after it, any length), sent to a fresh
// connection; then one GETATTR, which must be answered (or refused) exactly once
// whatever was negotiated.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../unit/fake_kernel.hpp"
#include "../unit/test_filesystem.hpp"

namespace uf = uringfuse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  uf::test::RecordingFs fs;
  uf::test::FakeKernel k(fs, uf::implemented_operations<uf::test::RecordingFs>());
  uf::test::RequestBuilder init(uf::abi::Opcode::INIT, 1);
  init.bytes(data, size);
  auto replies = k.feed(init);
  if (replies.size() > 1) std::abort();  // INIT is answered once, or not at all (newer major)
  auto after = k.feed(uf::test::RequestBuilder(uf::abi::Opcode::GETATTR, 2).arg(uf::abi::fuse_getattr_in{}));
  if (after.size() > 1) std::abort();
  return 0;
}
