// Malformed requests: each gets a defined error reply (or, when no reply is possible,
// none) and never reaches a handler or crashes.
#include <gtest/gtest.h>

#include "fake_kernel.hpp"
#include "test_filesystem.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;

class Malformed : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(kernel.init().error, 0); }
  RecordingFs fs;
  FakeKernel kernel{fs, implemented_operations<RecordingFs>()};
};

TEST_F(Malformed, ShortHeaderIsDroppedWithoutReply) {
  auto bytes = RequestBuilder(Opcode::LOOKUP, 5).name("x").build();
  bytes.resize(20);
  EXPECT_TRUE(kernel.feed(bytes).empty());
  EXPECT_TRUE(kernel.feed(std::span<const std::byte>{}).empty());
  EXPECT_TRUE(fs.calls.empty());
}

TEST_F(Malformed, LengthLargerThanBytes) {
  RequestBuilder b(Opcode::LOOKUP, 6);
  b.name("file");
  auto bytes = b.build();
  bytes.pop_back();  // header still claims the full length
  auto r = kernel.feed(bytes);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EINVAL);
  EXPECT_EQ(r[0].unique, 6u);
  EXPECT_TRUE(fs.calls.empty());
}

TEST_F(Malformed, LengthSmallerThanBytes) {
  auto bytes = RequestBuilder(Opcode::LOOKUP, 7).name("file").build();
  bytes.push_back(std::byte{0});
  auto r = kernel.feed(bytes);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EINVAL);
}

TEST_F(Malformed, NameWithoutNul) {
  auto r = kernel.feed(RequestBuilder(Opcode::LOOKUP, 8).bytes("abc", 3));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EINVAL);
  EXPECT_TRUE(fs.calls.empty());
}

TEST_F(Malformed, UnknownOpcodes) {
  for (std::uint32_t op : {7u, 19u, 54u, 999u, 4096u, 0xffffffffu}) {
    RequestBuilder b(Opcode::LOOKUP, 9);
    b.header().opcode = op;
    auto r = kernel.feed(b);
    ASSERT_EQ(r.size(), 1u) << op;
    EXPECT_EQ(r[0].error, -ENOSYS) << op;
  }
}

TEST_F(Malformed, ArgumentsShorterThanTheirStruct) {
  abi::fuse_read_in in{};
  auto r = kernel.feed(RequestBuilder(Opcode::READ, 10).bytes(&in, sizeof in - 1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EINVAL);
  EXPECT_TRUE(fs.calls.empty());
}

TEST_F(Malformed, TrailingBytesAfterFixedArguments) {
  abi::fuse_getattr_in in{};
  auto r = kernel.feed(RequestBuilder(Opcode::GETATTR, 11).arg(in).bytes("zz", 2));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EINVAL);
}

TEST_F(Malformed, ExtensionsLongerThanRequest) {
  RequestBuilder b(Opcode::LOOKUP, 12);
  b.name("file");
  b.header().total_extlen = 100;
  auto r = kernel.feed(b);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EINVAL);
}

TEST_F(Malformed, ExtensionsAreSplitOffBeforeNames) {
  RequestBuilder b(Opcode::LOOKUP, 13);
  b.name("file");
  abi::fuse_ext_header ext{8, 99};  // a well-formed extension of a type we skip
  b.arg(ext);
  b.header().total_extlen = 1;
  auto r = kernel.feed(b);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(fs.last_name, "file");
}

TEST_F(Malformed, MalformedNoReplyOpGetsNoReply) {
  auto r = kernel.feed(RequestBuilder(Opcode::FORGET, 14).bytes("x", 1));
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(fs.forgets.empty());
}

TEST_F(Malformed, RandomBytesNeverCrash) {
  std::uint64_t seed = 12345;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(seed >> 33);
  };
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::byte> bytes(next() % 200);
    for (auto& b : bytes) b = static_cast<std::byte>(next());
    if (bytes.size() >= 8) {  // make some of them self-consistent in length and opcode
      std::uint32_t len = static_cast<std::uint32_t>(bytes.size());
      std::memcpy(bytes.data(), &len, 4);
      std::uint32_t op = next() % 56;
      std::memcpy(bytes.data() + 4, &op, 4);
    }
    if (bytes.size() >= 16 && (bytes[4] == std::byte{26})) continue;  // not a second INIT
    for (const auto& reply : kernel.feed(bytes)) {
      EXPECT_LE(reply.error, 0);
      EXPECT_GT(reply.error, -512);
    }
  }
}

}  // namespace
}  // namespace uringfuse::test

namespace uringfuse::test {
namespace {

// A ring request arrives split: fixed struct in op_in, the rest in the payload.
detail::ParseResult parse_split(const abi::fuse_in_header& h, std::span<const std::byte> op_in,
                                std::span<const std::byte> payload) {
  detail::RawRequest raw;
  raw.header = std::as_bytes(std::span(&h, 1));
  raw.op_in = op_in;
  raw.args = payload;
  raw.split = true;
  raw.wire_size = sizeof h + payload.size();
  return detail::parse_request(raw, {});
}

TEST(SplitRequests, FixedStructInOpIn) {
  abi::fuse_in_header h{};
  h.opcode = static_cast<std::uint32_t>(abi::Opcode::MKDIR);
  h.len = sizeof h + sizeof(abi::fuse_mkdir_in) + 4;
  abi::fuse_mkdir_in md{0750, 022};
  std::byte op_in[128] = {};
  std::memcpy(op_in, &md, sizeof md);
  auto r = parse_split(h, op_in, std::as_bytes(std::span("dir", 4)));
  ASSERT_EQ(r.error, 0) << r.why;
  EXPECT_EQ(r.request.names[0], "dir");
  EXPECT_EQ(detail::read_struct<abi::fuse_mkdir_in>(r.request.op_in).mode, 0750u);
}

TEST(SplitRequests, FixedStructAtPayloadStartWhenLenSaysSo) {
  abi::fuse_in_header h{};
  h.opcode = static_cast<std::uint32_t>(abi::Opcode::NOTIFY_REPLY);
  abi::fuse_notify_retrieve_in in{};
  in.offset = 7;
  in.size = 3;
  std::vector<std::byte> payload(sizeof in + 3);
  std::memcpy(payload.data(), &in, sizeof in);
  std::memcpy(payload.data() + sizeof in, "abc", 3);
  h.len = static_cast<std::uint32_t>(sizeof h + payload.size());
  std::byte op_in[128] = {};
  auto r = parse_split(h, op_in, payload);
  ASSERT_EQ(r.error, 0) << r.why;
  EXPECT_EQ(detail::read_struct<abi::fuse_notify_retrieve_in>(r.request.op_in).offset, 7u);
  EXPECT_EQ(r.request.data.size(), 3u);
}

}  // namespace
}  // namespace uringfuse::test
