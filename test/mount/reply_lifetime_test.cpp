// A reply that outlives its session: the daemon (late_reply_fs.cpp) parks a GETATTR
// reply inside its filesystem object, is told to stop while the caller still waits,
// and destroys the reply after run_main() returned. The reply must send nothing and
// harm nothing: the daemon exits 0 and says so; the caller gets an error, not a hang.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <string>

#include "../support/example_mount.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

class ReplyLifetime : public ExampleMount<::testing::TestWithParam<Transport>> {};

TEST_P(ReplyLifetime, ReplyKeptPastTheSessionSendsNothing) {
  start_daemon(built_program("test/mount/late_reply_fs"), GetParam().args);
  // The caller's stat waits for the parked reply; the session ends under it.
  auto caller = std::async(std::launch::async, [path = mnt_ + "/park"] {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? 0 : errno;
  });
  ASSERT_EQ(caller.wait_for(300ms), std::future_status::timeout) << "the reply was not parked";
  daemon_->signal(SIGTERM);
  auto status = daemon_->wait(15s);
  ASSERT_TRUE(status.has_value()) << "daemon still running:\n" << daemon_->output();
  EXPECT_EQ(*status, 0) << daemon_->output();  // 128+SIGSEGV/SIGABRT before the fix
  EXPECT_NE(daemon_->output().find("answered after its session ended; nothing sent"), std::string::npos)
      << daemon_->output();
  EXPECT_NE(daemon_->output().find("answered after the session: send_status -" + std::to_string(ENODEV)),
            std::string::npos)
      << daemon_->output();
  ASSERT_EQ(caller.wait_for(10s), std::future_status::ready) << "the caller still waits";
  int err = caller.get();
  EXPECT_TRUE(err == ENOTCONN || err == ECONNABORTED || err == ECANCELED) << std::strerror(err);
}

INSTANTIATE_TEST_SUITE_P(Transports, ReplyLifetime, ::testing::ValuesIn(all_transports()), transport_name);

}  // namespace
}  // namespace uringfuse::test
