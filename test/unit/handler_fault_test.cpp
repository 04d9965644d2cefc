// Handlers that misbehave: throwing a std::exception or anything else (before or
// after answering, or where no answer is due), and holding replies they never
// answer until the session ends. Each request still gets exactly one defined
// answer, or none when none is due, and a log line says what happened.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "fake_kernel.hpp"
#include "log_capture.hpp"
#include "test_filesystem.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;

class FaultyFs : public Filesystem {
 public:
  void lookup(const Request&, Ino, std::string_view name, ReplyEntry reply) override {
    if (name == "std") throw std::runtime_error("disk on fire");
    if (name == "int") throw 42;
    std::move(reply).error(ENOENT);
    if (name == "late") throw std::logic_error("thrown after answering");
  }
  void forget(const Request&, Ino, std::uint64_t) override {
    throw std::runtime_error("forget failed");
  }
  // Never answered here: held until destroy() lets them go.
  void getattr(const Request&, Ino, const GetattrIn&, ReplyAttr reply) override {
    held.push_back(std::move(reply));
  }
  void destroy() override {
    held.clear();  // dropping a reply answers EIO
    if (destroy_throws) throw std::runtime_error("destroy failed");
  }

  std::vector<ReplyAttr> held;
  bool destroy_throws = false;
};

struct Fixture {
  LogCapture log;
  FaultyFs fs;
  FakeKernel kernel{fs, implemented_operations<FaultyFs>()};
  Fixture() { EXPECT_EQ(kernel.init().error, 0); }
};

TEST(HandlerFault, StdExceptionAnswersEio) {
  Fixture f;
  auto r = f.kernel.feed(RequestBuilder(Opcode::LOOKUP, 2).name("std"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].unique, 2u);
  EXPECT_EQ(r[0].error, -EIO);
  EXPECT_TRUE(r[0].body.empty());
  EXPECT_EQ(f.log.count(LogLevel::err, "uringfuse: LOOKUP #2: handler threw: disk on fire"), 1)
      << f.log.all();
  EXPECT_EQ(f.log.count(LogLevel::err,
                        "uringfuse: LOOKUP #2: reply abandoned by an exception; answering EIO"),
            1)
      << f.log.all();
}

TEST(HandlerFault, NonStandardThrowAnswersEio) {
  Fixture f;
  auto r = f.kernel.feed(RequestBuilder(Opcode::LOOKUP, 3).name("int"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].unique, 3u);
  EXPECT_EQ(r[0].error, -EIO);
  EXPECT_EQ(
      f.log.count(LogLevel::err, "uringfuse: LOOKUP #3: handler threw a non-standard exception"), 1)
      << f.log.all();
}

TEST(HandlerFault, ThrowAfterAnsweringKeepsTheAnswer) {
  Fixture f;
  auto r = f.kernel.feed(RequestBuilder(Opcode::LOOKUP, 4).name("late"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -ENOENT);
  EXPECT_EQ(
      f.log.count(LogLevel::err, "uringfuse: LOOKUP #4: handler threw: thrown after answering"), 1)
      << f.log.all();
  EXPECT_EQ(f.log.count(LogLevel::err, "answering EIO"), 0) << f.log.all();
}

TEST(HandlerFault, ThrowWhereNoAnswerIsDueSendsNothing) {
  Fixture f;
  abi::fuse_forget_in in{};
  in.nlookup = 1;
  EXPECT_TRUE(f.kernel.feed(RequestBuilder(Opcode::FORGET, 5, 9).arg(in)).empty());
  EXPECT_EQ(f.log.count(LogLevel::err, "uringfuse: FORGET #5: handler threw: forget failed"), 1)
      << f.log.all();
  auto r = f.kernel.feed(RequestBuilder(Opcode::LOOKUP, 6).name("x"));  // still serving
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -ENOENT);
}

void feed_held_getattrs(FakeKernel& kernel) {
  for (std::uint64_t u = 10; u <= 11; ++u)
    EXPECT_TRUE(
        kernel.feed(RequestBuilder(Opcode::GETATTR, u, u).arg(abi::fuse_getattr_in{})).empty());
}

void expect_held_answered_eio(const std::vector<CapturedReply>& r, const LogCapture& log) {
  ASSERT_GE(r.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r[i].unique, 10 + i);
    EXPECT_EQ(r[i].error, -EIO);
    EXPECT_TRUE(r[i].body.empty());
  }
  EXPECT_EQ(log.count(LogLevel::err,
                      "uringfuse: GETATTR #10: reply dropped without an answer; answering EIO"),
            1)
      << log.all();
  EXPECT_EQ(log.count(LogLevel::err,
                      "uringfuse: GETATTR #11: reply dropped without an answer; answering EIO"),
            1)
      << log.all();
}

// DESTROY: destroy() runs before DESTROY is answered, so what it drops goes first.
TEST(HandlerFault, HeldRepliesAreAnsweredWhenDestroyDropsThem) {
  Fixture f;
  feed_held_getattrs(f.kernel);
  auto r = f.kernel.feed(RequestBuilder(Opcode::DESTROY, 12));
  ASSERT_EQ(r.size(), 3u);
  expect_held_answered_eio(r, f.log);
  EXPECT_EQ(r[2].unique, 12u);
  EXPECT_EQ(r[2].error, 0);
  EXPECT_EQ(f.kernel.ended(), 1);
}

// The connection ends without DESTROY (unmounted, aborted): the session's finish()
// still runs destroy(), once, even if it throws.
TEST(HandlerFault, HeldRepliesAreAnsweredWhenTheSessionEndsWithoutDestroy) {
  Fixture f;
  f.fs.destroy_throws = true;
  feed_held_getattrs(f.kernel);
  f.kernel.connection().finish();
  f.kernel.connection().finish();
  auto r = f.kernel.take();
  ASSERT_EQ(r.size(), 2u);
  expect_held_answered_eio(r, f.log);
  EXPECT_EQ(
      f.log.count(LogLevel::err, "uringfuse: the filesystem's destroy() threw: destroy failed"), 1)
      << f.log.all();
}

}  // namespace
}  // namespace uringfuse::test
