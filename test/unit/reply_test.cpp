// Reply objects: exactly one answer per request, whatever the handler does: answers
// late from another thread, drops the reply, throws, or passes a bad errno.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
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
  TestSlot ctx(capture, 77, Opcode::FLUSH, 0);
  ReplyEmpty reply(ctx);
  std::move(reply).ok();
  std::move(reply).error(EIO);  // a bug in the caller: logged, not sent
  auto sent = capture.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].error, 0);
}

TEST(Reply, SendStatusSaysWhetherTheKernelTookTheAnswer) {
  ReplyCapture capture;
  TestSlot taken(capture, 80, Opcode::OPEN, 0);
  ReplyOpen a(taken);
  EXPECT_EQ(a.send_status(), 0);
  std::move(a).open(OpenResult{});
  EXPECT_EQ(a.send_status(), 0);
  EXPECT_EQ(capture.take().size(), 1u);

  capture.refuse(81);  // the kernel gave up on #81 before its answer came
  TestSlot refused(capture, 81, Opcode::OPEN, 0);
  ReplyOpen b(refused);
  std::move(b).open(OpenResult{});
  EXPECT_EQ(b.send_status(), -ENOENT);
  ReplyOpen kept(std::move(b));  // moving a sent reply keeps what its send came to
  EXPECT_EQ(kept.send_status(), -ENOENT);
  EXPECT_TRUE(capture.take().empty());
}

TEST(Reply, MovedFromReplyStaysSilent) {
  ReplyCapture capture;
  TestSlot ctx(capture, 78, Opcode::FLUSH, 0);
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

namespace uringfuse::test {
namespace {

// A target that lends its own memory, like an io_uring entry's payload.
class LendingTarget final : public ReplyTarget {
 public:
  int send(std::uint64_t, int error, std::span<const iovec> body) noexcept override {
    last_error = error;
    in_place = body.size() == 1 && body[0].iov_base == memory.data();
    size = body.empty() ? 0 : body[0].iov_len;
    return 0;
  }
  std::span<std::byte> reply_buffer() noexcept override { return memory; }
  std::vector<std::byte> memory = std::vector<std::byte>(64);
  int last_error = 1;
  bool in_place = false;
  std::size_t size = 0;
};

TEST(ReplyData, BufferIsTheTransportsMemoryWhenLent) {
  LendingTarget t;
  TestSlot ctx(t, 9, Opcode::READ, 32);
  ReplyData reply(ctx);
  auto buf = reply.buffer();
  ASSERT_EQ(buf.size(), 32u);  // max_size, not the whole lent buffer
  EXPECT_EQ(buf.data(), t.memory.data());
  std::memcpy(buf.data(), "abcd", 4);
  std::move(reply).commit(4);
  EXPECT_EQ(t.last_error, 0);
  EXPECT_TRUE(t.in_place);
  EXPECT_EQ(t.size, 4u);
}

TEST(ReplyData, BufferOfItsOwnOtherwiseAndOversizeCommitFails) {
  ReplyCapture capture;
  TestSlot ctx(capture, 10, Opcode::READ, 16);
  ReplyData reply(ctx);
  auto buf = reply.buffer();
  ASSERT_EQ(buf.size(), 16u);
  std::memcpy(buf.data(), "xyz", 3);
  std::move(reply).commit(3);
  auto sent = capture.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sent[0].body.data()), 3), "xyz");
  ReplyData again(ctx);
  std::move(again).commit(17);
  EXPECT_EQ(capture.take().at(0).error, -EIO);
}

// A file in a fresh temporary directory holding `content`; open for reading.
struct TempFile {
  explicit TempFile(std::string_view content) {
    char tmpl[] = "/tmp/uringfuse-reply-XXXXXX";
    fd = ::mkstemp(tmpl);
    ::unlink(tmpl);
    EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  }
  ~TempFile() { ::close(fd); }
  int fd = -1;
};

std::string body_text(const std::vector<std::byte>& body) {
  return std::string(reinterpret_cast<const char*>(body.data()), body.size());
}

TEST(ReplyData, FromFileReadsAtTheOffsetUpToTheLimit) {
  TempFile file("0123456789");
  ReplyCapture capture;
  TestSlot ctx(capture, 11, Opcode::READ, 4);
  std::move(ReplyData(ctx)).from_file(file.fd, 3, 100);  // capped at max_size 4
  auto sent = capture.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].error, 0);
  EXPECT_EQ(body_text(sent[0].body), "3456");
}

TEST(ReplyData, FromFileIsShortOnlyAtEndOfFile) {
  TempFile file("abcdef");
  ReplyCapture capture;
  TestSlot ctx(capture, 12, Opcode::READ, 64);
  std::move(ReplyData(ctx)).from_file(file.fd, 4, 64);
  std::move(ReplyData(ctx)).from_file(file.fd, 100, 64);
  auto sent = capture.take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(body_text(sent[0].body), "ef");
  EXPECT_EQ(sent[1].error, 0);
  EXPECT_TRUE(sent[1].body.empty());
}

TEST(ReplyData, FromFileAnswersTheReadsErrno) {
  ReplyCapture capture;
  TestSlot ctx(capture, 13, Opcode::READ, 64);
  std::move(ReplyData(ctx)).from_file(-1, 0, 8);
  int dir = ::open("/tmp", O_RDONLY | O_DIRECTORY);
  std::move(ReplyData(ctx)).from_file(dir, 0, 8);
  ::close(dir);
  std::move(ReplyData(ctx)).from_file(0, -5, 8);
  auto sent = capture.take();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].error, -EBADF);
  EXPECT_EQ(sent[1].error, -EISDIR);
  EXPECT_EQ(sent[2].error, -EINVAL);  // a negative offset never reaches pread
}

TEST(ReplyData, FromFileReadsIntoTheLentBuffer) {
  TempFile file("lent bytes");
  LendingTarget t;
  TestSlot ctx(t, 14, Opcode::READ, 32);
  std::move(ReplyData(ctx)).from_file(file.fd, 5, 32);
  EXPECT_EQ(t.last_error, 0);
  EXPECT_TRUE(t.in_place);  // no copy after the read
  EXPECT_EQ(t.size, 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(t.memory.data()), 5), "bytes");
}

}  // namespace
}  // namespace uringfuse::test
