// Reply objects: exactly one answer per request, whatever the handler does: answers
// late from another thread, drops the reply, throws, or passes a bad errno.
#include <gtest/gtest.h>

#include <thread>

#include "fake_kernel.hpp"
#include "test_filesystem.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;

TEST(Reply, ThrowingHandlerAnswersEio) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  ASSERT_EQ(k.init().error, 0);
  auto r = k.feed(RequestBuilder(Opcode::LOOKUP, 2).name("throw"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EIO);
}

TEST(Reply, DroppedReplyAnswersEio) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  ASSERT_EQ(k.init().error, 0);
  auto r = k.feed(RequestBuilder(Opcode::LOOKUP, 3).name("drop"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EIO);
}

TEST(Reply, InvalidErrnoBecomesEio) {
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  ASSERT_EQ(k.init().error, 0);
  auto r = k.feed(RequestBuilder(Opcode::LOOKUP, 4).name("badErrno"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EIO);
}

// Keeps every reply and answers it later from another thread.
class DeferringFs : public Filesystem {
 public:
  void getattr(const Request&, Ino ino, const GetattrIn&, ReplyAttr reply) override {
    pending.emplace_back(ino, std::move(reply));
  }
  std::vector<std::pair<Ino, ReplyAttr>> pending;
};

TEST(Reply, DeferredRepliesFromAnotherThread) {
  DeferringFs fs;
  FakeKernel k(fs, implemented_operations<DeferringFs>());
  ASSERT_EQ(k.init().error, 0);
  for (std::uint64_t u = 10; u < 15; ++u)
    EXPECT_TRUE(k.feed(RequestBuilder(Opcode::GETATTR, u, u).arg(abi::fuse_getattr_in{})).empty());
  ASSERT_EQ(fs.pending.size(), 5u);
  std::thread answerer([&] {
    for (auto& [ino, reply] : fs.pending) {
      EXPECT_TRUE(reply.pending());
      std::move(reply).attr(make_stat(ino, S_IFREG), Timeout(0));
      EXPECT_FALSE(reply.pending());
    }
  });
  answerer.join();
  fs.pending.clear();  // moved-from replies must not answer again
  auto r = k.feed(RequestBuilder(Opcode::STATFS, 99));  // flush the capture
  ASSERT_EQ(r.size(), 6u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(r[i].unique, 10 + i);
    EXPECT_EQ(r[i].as<abi::fuse_attr_out>().attr.ino, 10 + i);
  }
}

TEST(Reply, SecondFinishIsIgnored) {
  ReplyCapture capture;
  detail::ReplyContext ctx{&capture, 77, static_cast<std::uint32_t>(Opcode::FLUSH), 0, false};
  ReplyEmpty reply(ctx);
  std::move(reply).ok();
  std::move(reply).error(EIO);  // a bug in the caller: logged, not sent
  auto sent = capture.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].error, 0);
}

TEST(Reply, MovedFromReplyStaysSilent) {
  ReplyCapture capture;
  detail::ReplyContext ctx{&capture, 78, static_cast<std::uint32_t>(Opcode::FLUSH), 0, false};
  {
    ReplyEmpty a(ctx);
    ReplyEmpty b(std::move(a));
    EXPECT_FALSE(a.pending());
    std::move(b).ok();
  }
  EXPECT_EQ(capture.take().size(), 1u);
}

}  // namespace
}  // namespace uringfuse::test
