// A C filesystem that answers one request twice: in libfuse the second fuse_reply_*
// writes to the freed request. Here the first answer goes out, the second is refused
// with -EINVAL and a log line, nothing else reaches the kernel, and (under ASan) no
// freed memory is touched. The requests go in through fuse_session_process_buf and the
// answers come out through a custom writev, as a libfuse program's own loop would.
#include <sys/eventfd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <vector>

#define FUSE_USE_VERSION 319
#include "uringfuse/fuse3/fuse_lowlevel.h"

#include "fake_kernel.hpp"
#include "log_capture.hpp"

namespace uringfuse::test {
namespace {

struct Written {
  abi::fuse_out_header header{};
};
std::vector<Written> g_written;
int g_second_result = 0;

ssize_t capture_writev(int, struct iovec* iov, int count, void*) {
  Written w;
  std::memcpy(&w.header, iov[0].iov_base, std::min(sizeof w.header, iov[0].iov_len));
  g_written.push_back(w);
  ssize_t n = 0;
  for (int i = 0; i < count; ++i) n += static_cast<ssize_t>(iov[i].iov_len);
  return n;
}
ssize_t no_read(int, void*, size_t, void*) { return -1; }

// Answers ENOENT, then falls through into a second answer: the usual form of this bug.
void lookup_twice(fuse_req_t req, fuse_ino_t, const char*) {
  fuse_reply_err(req, ENOENT);
  fuse_entry_param e{};
  g_second_result = fuse_reply_entry(req, &e);
}
void getattr_once(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  struct stat st {};
  st.st_ino = ino;
  st.st_mode = S_IFDIR | 0755;
  fuse_reply_attr(req, &st, 1.0);
  g_second_result = fuse_reply_err(req, EIO);
}

void process(fuse_session* se, const RequestBuilder& b) {
  auto bytes = b.build();
  fuse_buf buf{};
  buf.mem = bytes.data();
  buf.size = bytes.size();
  fuse_session_process_buf(se, &buf);
}

TEST(CompatReplyTwice, SecondReplyIsRefusedAndNotSent) {
  g_written.clear();
  LogCapture log(LogLevel::err);
  fuse_lowlevel_ops ops{};
  ops.lookup = lookup_twice;
  ops.getattr = getattr_once;
  char arg0[] = "reply-twice";
  char* argv[] = {arg0, nullptr};
  fuse_args args = FUSE_ARGS_INIT(1, argv);
  fuse_session* se = fuse_session_new(&args, &ops, sizeof ops, nullptr);
  ASSERT_NE(se, nullptr);
  fuse_custom_io io{};
  io.writev = capture_writev;
  io.read = no_read;
  ASSERT_EQ(fuse_session_custom_io(se, &io, sizeof io, ::eventfd(0, EFD_CLOEXEC)), 0);

  abi::fuse_init_in init{};
  init.major = 7;
  init.minor = 45;
  process(se, RequestBuilder(abi::Opcode::INIT, 1).arg(init));
  ASSERT_EQ(g_written.size(), 1u);

  for (std::uint64_t unique : {2, 3}) {  // twice: the first request's memory is reused
    g_second_result = 0;
    process(se, RequestBuilder(abi::Opcode::LOOKUP, unique).name("x"));
    EXPECT_EQ(g_second_result, -EINVAL);
  }
  g_second_result = 0;
  abi::fuse_getattr_in getattr{};
  process(se, RequestBuilder(abi::Opcode::GETATTR, 4).arg(getattr));
  EXPECT_EQ(g_second_result, -EINVAL);

  ASSERT_EQ(g_written.size(), 4u);  // INIT, then exactly one answer per request
  EXPECT_EQ(g_written[1].header.unique, 2u);
  EXPECT_EQ(g_written[1].header.error, -ENOENT);
  EXPECT_EQ(g_written[2].header.unique, 3u);
  EXPECT_EQ(g_written[2].header.error, -ENOENT);
  EXPECT_EQ(g_written[3].header.unique, 4u);
  EXPECT_EQ(g_written[3].header.error, 0);
  EXPECT_EQ(log.count(LogLevel::err, "fuse_reply_entry: request #2 was answered already"), 1) << log.all();
  EXPECT_EQ(log.count(LogLevel::err, "fuse_reply_entry: request #3 was answered already"), 1) << log.all();
  EXPECT_EQ(log.count(LogLevel::err, "fuse_reply_err: request #4 was answered already"), 1) << log.all();
  fuse_session_destroy(se);
}

}  // namespace
}  // namespace uringfuse::test
