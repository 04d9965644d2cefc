// The -d trace through the fake kernel, in both shapes: libfuse's lines must be
// exactly what libfuse prints (its test runner matches them with a regex to tell a
// request's error code from a real error), ours keep their own shape.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "core/debug_trace.hpp"
#include "fake_kernel.hpp"
#include "test_filesystem.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::test {
namespace {

class TraceCapture {
 public:
  TraceCapture() : saved_(log_level()) {
    set_log_level(LogLevel::debug);
    set_log_handler([this](LogLevel, std::string_view line) { lines.emplace_back(line); });
  }
  ~TraceCapture() {
    set_log_handler({});
    set_log_level(saved_);
  }
  bool has(const std::string& line) const {
    for (const auto& l : lines)
      if (l == line) return true;
    return false;
  }
  std::string all() const {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  std::vector<std::string> lines;

 private:
  LogLevel saved_;
};

// libfuse's own pattern for a request's error line (its test/run-tests.py).
const std::regex kLibfuseErrorLine(R"(^.*unique: \d+, error: -\d+ \(.*\), outsize: \d+.*$)");

TEST(DebugTrace, LibfuseShape) {
  TraceCapture trace;
  EmptyFs fs;
  FakeKernel k(fs, implemented_operations<EmptyFs>(), detail::Trace::libfuse);
  k.init();
  EXPECT_TRUE(trace.has("INIT: 7.45")) << trace.all();
  EXPECT_TRUE(trace.has("max_readahead=0x00020000")) << trace.all();
  EXPECT_TRUE(trace.has("   INIT: 7.45")) << trace.all();
  EXPECT_TRUE(trace.has("   max_write=0x00100000")) << trace.all();
  EXPECT_TRUE(trace.has("   time_gran=1")) << trace.all();
  // The INIT reply: header (16) + fuse_init_out (64).
  EXPECT_TRUE(trace.has("   unique: 1, success, outsize: 80")) << trace.all();

  trace.lines.clear();
  auto replies = k.feed(RequestBuilder(abi::Opcode::GETATTR, 3).arg(abi::fuse_getattr_in{}));
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].error, -ENOSYS);
  // 40 bytes of header and 16 of fuse_getattr_in.
  EXPECT_TRUE(trace.has("dev unique: 3, opcode: GETATTR (3), nodeid: 1, insize: 56, pid: 4242")) << trace.all();
  const std::string error_line = "   unique: 3, error: -38 (Function not implemented), outsize: 16";
  EXPECT_TRUE(trace.has(error_line)) << trace.all();
  EXPECT_TRUE(std::regex_match(error_line, kLibfuseErrorLine));
  for (const auto& l : trace.lines) EXPECT_EQ(l.find("uringfuse"), std::string::npos) << l;
}

TEST(DebugTrace, LibfuseShapeOfASuccessfulReply) {
  TraceCapture trace;
  RecordingFs fs;
  FakeKernel k(fs, implemented_operations<RecordingFs>(), detail::Trace::libfuse);
  k.init();
  trace.lines.clear();
  auto replies = k.feed(RequestBuilder(abi::Opcode::GETATTR, 5).arg(abi::fuse_getattr_in{}));
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].error, 0);
  EXPECT_TRUE(trace.has("   unique: 5, success, outsize: " + std::to_string(16 + replies[0].body.size())))
      << trace.all();
}

TEST(DebugTrace, OurShape) {
  TraceCapture trace;
  EmptyFs fs;
  FakeKernel k(fs, implemented_operations<EmptyFs>(), detail::Trace::uringfuse);
  k.init();
  k.feed(RequestBuilder(abi::Opcode::GETATTR, 3).arg(abi::fuse_getattr_in{}));
  EXPECT_TRUE(trace.has("uringfuse: reply #3 error -38 (Function not implemented)")) << trace.all();
  bool request_line = false;
  for (const auto& l : trace.lines) request_line |= l.rfind("uringfuse: req #3 GETATTR nodeid=1", 0) == 0;
  EXPECT_TRUE(request_line) << trace.all();
}

TEST(DebugTrace, OffPrintsNothing) {
  TraceCapture trace;
  EmptyFs fs;
  FakeKernel k(fs, implemented_operations<EmptyFs>());
  k.init();
  k.feed(RequestBuilder(abi::Opcode::GETATTR, 3).arg(abi::fuse_getattr_in{}));
  EXPECT_TRUE(trace.lines.empty()) << trace.all();
}

}  // namespace
}  // namespace uringfuse::test
