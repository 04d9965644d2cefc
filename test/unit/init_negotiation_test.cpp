// INIT negotiation through the fake kernel: versions, the capability allow-list, the
// init() hook's vetoes and requests, and the limits.
#include <gtest/gtest.h>

#include "fake_kernel.hpp"
#include "test_filesystem.hpp"

namespace uringfuse::test {
namespace {

using namespace abi::init_flag;

std::uint64_t reply_flags(const CapturedReply& r) {
  auto out = r.as<abi::fuse_init_out>();
  return abi::join_flags(out.flags, out.flags2);
}

TEST(InitNegotiation, ModernKernelGetsOurVersionAndDefaults) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  auto r = k.init();
  ASSERT_EQ(r.error, 0);
  ASSERT_EQ(r.body.size(), sizeof(abi::fuse_init_out));
  auto out = r.as<abi::fuse_init_out>();
  EXPECT_EQ(out.major, 7u);
  EXPECT_EQ(out.minor, 45u);
  EXPECT_EQ(out.max_write, 1u << 20);
  EXPECT_EQ(out.max_pages, 256u);
  EXPECT_EQ(out.max_readahead, 128u * 1024);
  EXPECT_EQ(out.time_gran, 1u);
  std::uint64_t f = reply_flags(r);
  for (auto want : {ASYNC_READ, ATOMIC_O_TRUNC, AUTO_INVAL_DATA, ASYNC_DIO, BIG_WRITES, MAX_PAGES,
                    INIT_EXT, DO_READDIRPLUS, READDIRPLUS_AUTO})
    EXPECT_TRUE(f & want) << std::hex << want;
  // Offered by the kernel, but not asked for or without code behind them yet.
  for (auto never : {POSIX_LOCKS, FLOCK_LOCKS, WRITEBACK_CACHE, SPLICE_READ, PASSTHROUGH,
                     SECURITY_CTX, CREATE_SUPP_GROUP, OVER_IO_URING, ALLOW_IDMAP, SETXATTR_EXT,
                     NO_OPEN_SUPPORT, HAS_IOCTL_DIR, HAS_EXPIRE_ONLY, HAS_RESEND})
    EXPECT_FALSE(f & never) << std::hex << never;
  EXPECT_TRUE(k.connection().initialized());
  EXPECT_EQ(k.connection().request_buffer_size(), (1u << 20) + 4096u);
}

TEST(InitNegotiation, ReaddirplusOnlyWhenImplemented) {
  EmptyFs fs;
  FakeKernel k(fs, implemented_operations<EmptyFs>());
  auto f = reply_flags(k.init());
  EXPECT_FALSE(f & DO_READDIRPLUS);
  EXPECT_FALSE(f & READDIRPLUS_AUTO);
  EXPECT_TRUE(f & ASYNC_READ);
}

TEST(InitNegotiation, UnknownKernelFlagsAreNeverEchoed) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  std::uint64_t weird = FakeKernel::default_kernel_flags() | FILE_OPS | INIT_RESERVED |
                        (1ull << 50) | (1ull << 63);
  fs.on_init = [](ConnectionInfo& c) {
    EXPECT_TRUE(c.capable_mask() & (1ull << 50));  // visible, but cannot be wanted
  };
  auto f = reply_flags(k.init(weird));
  EXPECT_FALSE(f & FILE_OPS);
  EXPECT_FALSE(f & INIT_RESERVED);
  EXPECT_FALSE(f & (1ull << 50));
  EXPECT_FALSE(f & (1ull << 63));
}

TEST(InitNegotiation, WithoutInitExtNoFlags2) {
  RecordingFs fs;
  bool granted = true;
  fs.on_init = [&](ConnectionInfo& c) { granted = c.want(Capability::no_export_support); };
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  // A kernel without INIT_EXT: flags2 is garbage to be ignored.
  std::uint64_t flags = (FakeKernel::default_kernel_flags() & 0xffffffffu) & ~INIT_EXT;
  abi::fuse_init_in in{};
  in.major = 7;
  in.minor = 45;
  in.flags = static_cast<std::uint32_t>(flags);
  in.flags2 = 0xffffffffu;
  auto replies = k.feed(RequestBuilder(abi::Opcode::INIT, 1).arg(in));
  ASSERT_EQ(replies.size(), 1u);
  auto out = replies[0].as<abi::fuse_init_out>();
  EXPECT_EQ(out.flags2, 0u);
  EXPECT_FALSE(out.flags & INIT_EXT);
  EXPECT_FALSE(granted);
}

TEST(InitNegotiation, HookVetoesAndAsks) {
  RecordingFs fs;
  bool got_writeback = false, got_passthrough = true;
  fs.on_init = [&](ConnectionInfo& c) {
    EXPECT_EQ(c.proto_minor(), 45u);
    EXPECT_TRUE(c.wanted(Capability::async_read));
    c.unwant(Capability::async_read);
    c.unwant(Capability::readdirplus);
    got_writeback = c.want(Capability::writeback_cache);
    got_passthrough = c.want(Capability::security_ctx);  // no code behind it yet
    c.max_write = 64 * 1024;
    c.max_readahead = 1u << 30;  // may only shrink
    c.time_gran = 1000;
    c.max_background = 40;
  };
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  auto r = k.init();
  auto f = reply_flags(r);
  auto out = r.as<abi::fuse_init_out>();
  EXPECT_FALSE(f & ASYNC_READ);
  EXPECT_FALSE(f & DO_READDIRPLUS);
  EXPECT_TRUE(f & WRITEBACK_CACHE);
  EXPECT_TRUE(got_writeback);
  EXPECT_FALSE(got_passthrough);
  EXPECT_FALSE(f & SECURITY_CTX);
  EXPECT_EQ(out.max_write, 64u * 1024);
  EXPECT_EQ(out.max_pages, 16u);
  EXPECT_EQ(out.max_readahead, 128u * 1024);
  EXPECT_EQ(out.time_gran, 1000u);
  EXPECT_EQ(out.max_background, 40u);
  EXPECT_EQ(out.congestion_threshold, 30u);
  EXPECT_EQ(k.connection().request_buffer_size(), 64u * 1024 + 4096);
}

TEST(InitNegotiation, HookThrowingRefusesTheConnection) {
  RecordingFs fs;
  fs.on_init = [](ConnectionInfo&) { throw std::runtime_error("no thanks"); };
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  auto r = k.init();
  EXPECT_EQ(r.error, -EPROTO);
  EXPECT_FALSE(k.connection().initialized());
  EXPECT_EQ(k.ended(), 1);
}

TEST(InitNegotiation, NoMaxPagesCapsMaxWrite) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  auto r = k.init(FakeKernel::default_kernel_flags() & ~MAX_PAGES);
  auto out = r.as<abi::fuse_init_out>();
  EXPECT_EQ(out.max_write, 32u * 4096);
  EXPECT_EQ(out.max_pages, 0u);
  EXPECT_FALSE(reply_flags(r) & MAX_PAGES);
}

TEST(InitNegotiation, OldMinorGetsShortReply) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  auto r = k.init(ASYNC_READ | BIG_WRITES, 22);
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.body.size(), abi::COMPAT_22_INIT_OUT_SIZE);
  EXPECT_EQ(k.connection().minor(), 22u);
  EXPECT_TRUE(k.connection().initialized());
}

TEST(InitNegotiation, TooOldMinorIsRefused) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  auto r = k.init(ASYNC_READ, 11);
  EXPECT_EQ(r.error, -EPROTO);
  EXPECT_FALSE(k.connection().initialized());
  EXPECT_EQ(k.ended(), 1);
}

TEST(InitNegotiation, NewerMajorGetsOurVersionThenRetries) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  abi::fuse_init_in in{};
  in.major = 8;
  in.minor = 1;
  auto replies = k.feed(RequestBuilder(abi::Opcode::INIT, 1).arg(in));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].error, 0);
  EXPECT_EQ(replies[0].body.size(), abi::COMPAT_INIT_OUT_SIZE);
  EXPECT_EQ(replies[0].as<abi::fuse_init_out>().major, 7u);
  EXPECT_FALSE(k.connection().initialized());
  EXPECT_EQ(k.init().error, 0);  // the kernel's second, downgraded INIT
  EXPECT_TRUE(k.connection().initialized());
}

TEST(InitNegotiation, OlderMajorIsRefused) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  abi::fuse_init_in in{};
  in.major = 6;
  auto replies = k.feed(RequestBuilder(abi::Opcode::INIT, 1).arg(in));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].error, -EPROTO);
}

TEST(InitNegotiation, RequestsBeforeInitAndSecondInitGetEio) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  auto early = k.feed(RequestBuilder(abi::Opcode::GETATTR, 5).arg(abi::fuse_getattr_in{}));
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].error, -EIO);
  EXPECT_TRUE(fs.calls.empty());
  ASSERT_EQ(k.init().error, 0);
  EXPECT_EQ(k.init().error, -EIO);
}

TEST(InitNegotiation, RequestTimeoutOnlyWhenOfferedAndSet) {
  RecordingFs fs;
  fs.on_init = [](ConnectionInfo& c) { c.request_timeout = 30; };
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  auto r = k.init();
  EXPECT_TRUE(reply_flags(r) & REQUEST_TIMEOUT);
  EXPECT_EQ(r.as<abi::fuse_init_out>().request_timeout, 30u);
}

}  // namespace
}  // namespace uringfuse::test
