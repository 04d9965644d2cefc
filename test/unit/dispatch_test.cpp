// Each typed operation through the fake kernel: the handler sees decoded arguments,
// the kernel sees correctly encoded replies; missing operations answer like libfuse.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "fake_kernel.hpp"
#include "test_filesystem.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;

class Dispatch : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(kernel.init().error, 0); }
  CapturedReply one(const RequestBuilder& b) {
    auto replies = kernel.feed(b);
    EXPECT_EQ(replies.size(), 1u);
    return replies.empty() ? CapturedReply{} : replies[0];
  }
  RecordingFs fs;
  FakeKernel kernel{fs, implemented_operations<RecordingFs>()};
};

TEST_F(Dispatch, LookupEncodesEntry) {
  auto r = one(RequestBuilder(Opcode::LOOKUP, 10).name("file"));
  EXPECT_EQ(r.unique, 10u);
  ASSERT_EQ(r.error, 0);
  ASSERT_EQ(r.body.size(), sizeof(abi::fuse_entry_out));
  auto e = r.as<abi::fuse_entry_out>();
  EXPECT_EQ(e.nodeid, 7u);
  EXPECT_EQ(e.generation, 3u);
  EXPECT_EQ(e.entry_valid, 2u);
  EXPECT_EQ(e.entry_valid_nsec, 0u);
  EXPECT_EQ(e.attr_valid, 1u);
  EXPECT_EQ(e.attr_valid_nsec, 500'000'000u);
  EXPECT_EQ(e.attr.ino, 7u);
  EXPECT_EQ(e.attr.size, 10u);
  EXPECT_EQ(e.attr.mode, static_cast<std::uint32_t>(S_IFREG | 0644));
  EXPECT_EQ(e.attr.mtime, 1700000000u);
  EXPECT_EQ(e.attr.mtimensec, 123u);
  EXPECT_EQ(fs.last_name, "file");
  EXPECT_EQ(fs.last_request.uid, 1000u);
  EXPECT_EQ(fs.last_request.pid, 4242);
  EXPECT_EQ(fs.last_request.unique, 10u);
}

TEST_F(Dispatch, LookupErrorIsNegatedOnce) {
  auto r = one(RequestBuilder(Opcode::LOOKUP, 11).name("missing"));
  EXPECT_EQ(r.error, -ENOENT);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(Dispatch, GetattrWithAndWithoutFh) {
  abi::fuse_getattr_in in{};
  auto r = one(RequestBuilder(Opcode::GETATTR, 12, 5).arg(in));
  ASSERT_EQ(r.body.size(), sizeof(abi::fuse_attr_out));
  auto out = r.as<abi::fuse_attr_out>();
  EXPECT_EQ(out.attr.ino, 5u);
  EXPECT_EQ(out.attr_valid, 0u);
  EXPECT_EQ(out.attr_valid_nsec, 250'000'000u);
  EXPECT_FALSE(fs.last_getattr.has_fh);
  in.getattr_flags = abi::getattr_flag::FH;
  in.fh = 44;
  one(RequestBuilder(Opcode::GETATTR, 13, 5).arg(in));
  EXPECT_TRUE(fs.last_getattr.has_fh);
  EXPECT_EQ(fs.last_getattr.fh, 44u);
}

TEST_F(Dispatch, OpenPassesFlagsAndReturnsFopenBits) {
  abi::fuse_open_in in{};
  in.flags = O_RDWR | O_APPEND;
  auto r = one(RequestBuilder(Opcode::OPEN, 14, 7).arg(in));
  auto out = r.as<abi::fuse_open_out>();
  EXPECT_EQ(out.fh, 99u);
  EXPECT_EQ(out.open_flags, abi::fopen::DIRECT_IO | abi::fopen::KEEP_CACHE);
  EXPECT_EQ(fs.last_open.flags, O_RDWR | O_APPEND);
}

TEST_F(Dispatch, ReadReturnsBytesAndRespectsSize) {
  abi::fuse_read_in in{};
  in.fh = 1;
  in.offset = 3;
  in.size = 4;
  auto r = one(RequestBuilder(Opcode::READ, 15, 7).arg(in));
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.body.data()), r.body.size()), "3456");
  EXPECT_EQ(fs.last_read.offset, 3u);
  EXPECT_EQ(fs.last_read.size, 4u);
}

TEST_F(Dispatch, OversizeReadReplyBecomesEio) {
  abi::fuse_read_in in{};
  in.fh = 666;
  in.size = 8;
  auto r = one(RequestBuilder(Opcode::READ, 16, 7).arg(in));
  EXPECT_EQ(r.error, -EIO);
  EXPECT_TRUE(r.body.empty());
}

// Found by fuzzing: a READDIRPLUS asking for ~1 GiB made a reply buffer that size.
// The kernel never asks past the negotiated max_pages; such a request is refused.
TEST_F(Dispatch, ReadsPastTheNegotiatedLimitAreRefused) {
  abi::fuse_read_in in{};
  in.fh = 1;
  in.size = 0x3f350000;
  for (auto op : {Opcode::READ, Opcode::READDIR, Opcode::READDIRPLUS}) {
    auto r = one(RequestBuilder(op, 17, 7).arg(in));
    EXPECT_EQ(r.error, -EINVAL);
  }
  in.size = 1u << 20;  // exactly the limit with the default 1 MiB max_write
  EXPECT_EQ(one(RequestBuilder(Opcode::READ, 18, 7).arg(in)).error, 0);
}

TEST_F(Dispatch, ReleaseFlushAccessDecode) {
  abi::fuse_release_in rel{};
  rel.fh = 5;
  rel.flags = O_WRONLY;
  rel.release_flags = abi::release_flag::FLUSH;
  rel.lock_owner = 77;
  EXPECT_EQ(one(RequestBuilder(Opcode::RELEASE, 17, 7).arg(rel)).error, 0);
  EXPECT_EQ(fs.last_release.fh, 5u);
  EXPECT_EQ(fs.last_release.lock_owner, 77u);
  EXPECT_EQ(fs.last_release.release_flags, abi::release_flag::FLUSH);

  abi::fuse_flush_in fl{};
  fl.fh = 6;
  fl.lock_owner = 8;
  EXPECT_EQ(one(RequestBuilder(Opcode::FLUSH, 18, 7).arg(fl)).error, 0);
  EXPECT_EQ(fs.last_flush.fh, 6u);
  EXPECT_EQ(fs.last_flush.lock_owner, 8u);

  abi::fuse_access_in ac{};
  ac.mask = R_OK | X_OK;
  EXPECT_EQ(one(RequestBuilder(Opcode::ACCESS, 19, 7).arg(ac)).error, 0);
  EXPECT_EQ(fs.last_access_mask, R_OK | X_OK);
}

TEST_F(Dispatch, StatfsEncodes) {
  auto r = one(RequestBuilder(Opcode::STATFS, 20));
  auto out = r.as<abi::fuse_statfs_out>();
  EXPECT_EQ(out.st.blocks, 1000u);
  EXPECT_EQ(out.st.bavail, 400u);
  EXPECT_EQ(out.st.files, 77u);
  EXPECT_EQ(out.st.bsize, 4096u);
  EXPECT_EQ(out.st.namelen, 200u);
}

TEST_F(Dispatch, ForgetAndBatchForgetNeverReply) {
  abi::fuse_forget_in f{};
  f.nlookup = 3;
  EXPECT_TRUE(kernel.feed(RequestBuilder(Opcode::FORGET, 21, 9).arg(f)).empty());
  abi::fuse_batch_forget_in b{};
  b.count = 2;
  abi::fuse_forget_one one_a{10, 1}, one_b{11, 2};
  EXPECT_TRUE(kernel.feed(RequestBuilder(Opcode::BATCH_FORGET, 22).arg(b).arg(one_a).arg(one_b)).empty());
  ASSERT_EQ(fs.forgets.size(), 3u);
  EXPECT_EQ(fs.forgets[0].ino, 9u);
  EXPECT_EQ(fs.forgets[0].nlookup, 3u);
  EXPECT_EQ(fs.forgets[2].ino, 11u);
  EXPECT_EQ(fs.forgets[2].nlookup, 2u);
  // A count larger than the entries sent is ignored, not read past the end.
  b.count = 1000;
  EXPECT_TRUE(kernel.feed(RequestBuilder(Opcode::BATCH_FORGET, 23).arg(b).arg(one_a)).empty());
  EXPECT_EQ(fs.forgets.size(), 3u);
}

TEST_F(Dispatch, DestroyCallsHookRepliesAndEnds) {
  auto r = one(RequestBuilder(Opcode::DESTROY, 24));
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(fs.destroyed, 1);
  EXPECT_EQ(kernel.ended(), 1);
  kernel.connection().finish();  // no second destroy()
  EXPECT_EQ(fs.destroyed, 1);
}

TEST_F(Dispatch, InterruptForUnknownRequestIsParkedWithoutReply) {
  abi::fuse_interrupt_in in{};
  in.unique = 10;
  EXPECT_TRUE(kernel.feed(RequestBuilder(Opcode::INTERRUPT, 25).arg(in)).empty());
}

TEST(DispatchInterrupts, RefusedWhenTheFilesystemTurnsThemOff) {
  struct NoInterrupts : EmptyFs {
    void init(ConnectionInfo& c) override { c.no_interrupt = true; }
  } fs;
  FakeKernel k(fs, implemented_operations<EmptyFs>());
  ASSERT_EQ(k.init().error, 0);
  abi::fuse_interrupt_in in{};
  in.unique = 10;
  auto r = k.feed(RequestBuilder(Opcode::INTERRUPT, 25).arg(in));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -ENOSYS);  // the kernel then stops sending them
}

TEST(DispatchDefaults, MissingOperationsAnswerLikeLibfuse) {
  EmptyFs fs;
  FakeKernel k(fs, implemented_operations<EmptyFs>());
  ASSERT_EQ(k.init().error, 0);
  auto one = [&](const RequestBuilder& b) { return k.feed(b).at(0); };
  EXPECT_EQ(one(RequestBuilder(Opcode::LOOKUP, 2).name("x")).error, -ENOSYS);
  EXPECT_EQ(one(RequestBuilder(Opcode::GETATTR, 3).arg(abi::fuse_getattr_in{})).error, -ENOSYS);
  auto open = one(RequestBuilder(Opcode::OPEN, 4).arg(abi::fuse_open_in{}));
  EXPECT_EQ(open.error, 0);
  EXPECT_EQ(open.as<abi::fuse_open_out>().fh, 0u);
  EXPECT_EQ(one(RequestBuilder(Opcode::OPENDIR, 5).arg(abi::fuse_open_in{})).error, 0);
  EXPECT_EQ(one(RequestBuilder(Opcode::RELEASE, 6).arg(abi::fuse_release_in{})).error, 0);
  EXPECT_EQ(one(RequestBuilder(Opcode::RELEASEDIR, 7).arg(abi::fuse_release_in{})).error, 0);
  EXPECT_EQ(one(RequestBuilder(Opcode::FLUSH, 8).arg(abi::fuse_flush_in{})).error, -ENOSYS);
  EXPECT_EQ(one(RequestBuilder(Opcode::ACCESS, 9).arg(abi::fuse_access_in{})).error, -ENOSYS);
  EXPECT_EQ(one(RequestBuilder(Opcode::READ, 10).arg(abi::fuse_read_in{})).error, -ENOSYS);
  EXPECT_EQ(one(RequestBuilder(Opcode::READDIR, 11).arg(abi::fuse_read_in{})).error, -ENOSYS);
  auto st = one(RequestBuilder(Opcode::STATFS, 12));
  EXPECT_EQ(st.as<abi::fuse_statfs_out>().st.namelen, 255u);
  EXPECT_EQ(st.as<abi::fuse_statfs_out>().st.bsize, 512u);
}

TEST(DispatchDefaults, NoOpenSupportMakesMissingOpenEnosys) {
  struct WantsNoOpen : EmptyFs {
    void init(ConnectionInfo& c) override {
      c.want(Capability::no_open_support);
      c.want(Capability::no_opendir_support);
    }
  } nfs;
  FakeKernel k(nfs, implemented_operations<EmptyFs>());
  ASSERT_EQ(k.init().error, 0);
  EXPECT_EQ(k.feed(RequestBuilder(Opcode::OPEN, 2).arg(abi::fuse_open_in{})).at(0).error, -ENOSYS);
  EXPECT_EQ(k.feed(RequestBuilder(Opcode::OPENDIR, 3).arg(abi::fuse_open_in{})).at(0).error, -ENOSYS);
}

// Every opcode of 7.45 gets an answer (or, for the no-reply ones, none), never a crash.
TEST(DispatchDefaults, EveryOpcodeIsAnswered) {
  EmptyFs fs;
  FakeKernel k(fs, implemented_operations<EmptyFs>());
  ASSERT_EQ(k.init().error, 0);
  for (std::uint32_t op = 1; op <= 53; ++op) {
    const auto& t = detail::op_traits(op);
    if (!t.known || op == static_cast<std::uint32_t>(Opcode::INIT) ||
        op == static_cast<std::uint32_t>(Opcode::DESTROY) ||
        op == static_cast<std::uint32_t>(Opcode::INTERRUPT))  // tested on its own
      continue;
    RequestBuilder b(static_cast<Opcode>(op), 100 + op);
    std::vector<std::byte> fixed(t.in_size);
    b.bytes(fixed.data(), fixed.size());
    for (int i = 0; i < t.names; ++i) b.name("n");
    auto replies = k.feed(b);
    if (t.replies) {
      ASSERT_EQ(replies.size(), 1u) << t.name;
      EXPECT_EQ(replies[0].unique, 100u + op) << t.name;
    } else {
      EXPECT_TRUE(replies.empty()) << t.name;
    }
  }
}

}  // namespace
}  // namespace uringfuse::test

namespace uringfuse::test {
namespace {

// A fixed struct one byte short is refused for every opcode, before any handler.
TEST(DispatchDefaults, EveryOpcodeRejectsATruncatedStruct) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  ASSERT_EQ(k.init().error, 0);
  for (std::uint32_t op = 1; op <= 53; ++op) {
    const auto& t = detail::op_traits(op);
    if (!t.known || t.in_size == 0 || op == static_cast<std::uint32_t>(abi::Opcode::INIT)) continue;
    RequestBuilder b(static_cast<abi::Opcode>(op), 500 + op);
    std::vector<std::byte> fixed(t.in_size - 1);
    b.bytes(fixed.data(), fixed.size());
    auto replies = k.feed(b);
    if (t.replies) {
      ASSERT_EQ(replies.size(), 1u) << t.name;
      EXPECT_EQ(replies[0].error, -EINVAL) << t.name;
    } else {
      EXPECT_TRUE(replies.empty()) << t.name;
    }
  }
  EXPECT_TRUE(fs.calls.empty());
}

}  // namespace
}  // namespace uringfuse::test
