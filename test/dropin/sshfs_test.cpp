// Debian's sshfs (a libfuse high-level filesystem: fuse_new, fuse_mount,
// fuse_loop_mt_31, fuse_daemonize), unchanged, on our drop-in, talking SFTP to an
// sshd of our own on 127.0.0.1 with a throwaway host and client key. What is
// written through the mount must reach the server's directory byte for byte, and
// what the server holds must read back the same; sshfs's handlers wait on the
// network, so parallel readers also show that one slow request does not hold up
// the others.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>


#include "dropin_harness.hpp"
#include "tree_compare.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

const char* const kSshfs = "/usr/bin/sshfs";
const char* const kSshd = "/usr/sbin/sshd";
const char* const kSshKeygen = "/usr/bin/ssh-keygen";

// A port nobody listens on right now (the kernel's pick); sshd binds it next.
unsigned short unused_port() {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  unsigned short port = 0;
  if (s >= 0 && ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (s >= 0) ::close(s);
  return port;
}

bool accepts_connections(unsigned short port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = s >= 0 && ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (s >= 0) ::close(s);
  return ok;
}

class Sshfs : public DropInMount {
 protected:
  void SetUp() override {
    DropInMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* program : {kSshfs, kSshd, kSshKeygen}) {
      require_program(program);
      if (IsSkipped() || HasFatalFailure()) return;
    }
    remote_ = dir_.sub("remote");
    ASSERT_EQ(::mkdir(remote_.c_str(), 0755), 0);
    ASSERT_NO_FATAL_FAILURE(make_remote_files());
    ASSERT_NO_FATAL_FAILURE(start_sshd());
    std::string mnt = dir_.sub("mnt");
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    const std::string ssh_opts = "IdentityFile=" + dir_.sub("client_key") +
                                 ",StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes";
    ASSERT_NO_FATAL_FAILURE(start(kSshfs,
                                  {"-f", "-p", std::to_string(port_), "-o", ssh_opts,
                                   "root@127.0.0.1:" + remote_, mnt},
                                  mnt));
  }

  void TearDown() override {
    DropInMount::TearDown();  // sshfs first: it logs out of the server
    if (sshd_) {
      sshd_->signal(SIGTERM);
      EXPECT_TRUE(sshd_->wait(10s).has_value()) << "sshd did not stop";
      sshd_.reset();
    }
  }

  void make_remote_files() {
    ASSERT_TRUE(write_file(remote_ + "/from-server", noise(300001, 5)));
    ASSERT_EQ(::mkdir((remote_ + "/listing").c_str(), 0755), 0);
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(write_file(remote_ + "/listing/entry-" + std::to_string(i), std::to_string(i)));
    for (int i = 0; i < kReaders; ++i)
      ASSERT_TRUE(write_file(remote_ + "/reader-" + std::to_string(i), noise(512 * 1024 + i, 100 + i)));
  }

  // sshd -D (in the foreground, our child) with keys made for this test alone, on
  // a free port of 127.0.0.1, serving SFTP in-process. /run/sshd is the empty
  // directory sshd insists on for privilege separation; Debian's service makes it.
  void start_sshd() {
    for (const char* key : {"host_key", "client_key"}) {
      Process keygen(kSshKeygen, {"-q", "-t", "ed25519", "-N", "", "-f", dir_.sub(key)}, dir_.sub("keygen.log"));
      auto status = keygen.wait(30s);
      ASSERT_TRUE(status && *status == 0) << "ssh-keygen failed:\n" << keygen.output();
    }
    ASSERT_EQ(::rename(dir_.sub("client_key.pub").c_str(), dir_.sub("authorized_keys").c_str()), 0);
    ASSERT_TRUE(::mkdir("/run/sshd", 0755) == 0 || errno == EEXIST) << std::strerror(errno);
    for (int attempt = 0; attempt < 3 && !sshd_; ++attempt) {
      port_ = unused_port();
      ASSERT_NE(port_, 0);
      const std::string config = dir_.sub("sshd_config");
      ASSERT_TRUE(write_file(config, "ListenAddress 127.0.0.1:" + std::to_string(port_) + "\n" +
                                  "HostKey " + dir_.sub("host_key") + "\n" +
                                  "AuthorizedKeysFile " + dir_.sub("authorized_keys") + "\n" +
                                  "PermitRootLogin prohibit-password\n"
                                  "PasswordAuthentication no\n"
                                  "KbdInteractiveAuthentication no\n"
                                  "UsePAM no\n"
                                  "StrictModes no\n"
                                  "PidFile none\n"
                                  "Subsystem sftp internal-sftp\n"));
      sshd_.emplace(kSshd, std::vector<std::string>{"-D", "-e", "-f", config}, dir_.sub("sshd.log"));
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (!accepts_connections(port_) && std::chrono::steady_clock::now() < deadline) {
        if (sshd_->wait(50ms)) {  // exited: the port was taken meanwhile, or a bad config
          ADD_FAILURE_AT(__FILE__, __LINE__) << "sshd exited:\n" << sshd_->output();
          sshd_.reset();
          break;
        }
      }
    }
    ASSERT_TRUE(sshd_.has_value()) << "could not start sshd";
    ASSERT_TRUE(accepts_connections(port_)) << "sshd does not listen:\n" << sshd_->output();
  }

  static constexpr int kReaders = 6;
  std::string remote_;
  unsigned short port_ = 0;
  std::optional<Process> sshd_;
};

TEST_P(Sshfs, WritesReachTheServerByteForByte) {
  unsigned seed = 1;
  for (std::size_t size : {0ul, 1ul, 4095ul, 4096ul, 65537ul, 1024ul * 1024 + 3}) {
    const std::string name = "/written-" + std::to_string(size);
    const std::string data = noise(size, seed++);
    ASSERT_TRUE(write_file(mnt_ + name, data)) << name;
    bool ok = false;
    EXPECT_EQ(file_bytes(remote_ + name, &ok), data) << name;
    EXPECT_TRUE(ok) << name;
  }
  // An overwrite in the middle of a file changes those bytes only.
  int fd = ::open((mnt_ + "/written-65537").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::pwrite(fd, "PATCH", 5, 40000), 5);
  ASSERT_EQ(::close(fd), 0);
  std::string want = noise(65537, 5);
  want.replace(40000, 5, "PATCH");
  EXPECT_EQ(file_bytes(remote_ + "/written-65537"), want);
}

TEST_P(Sshfs, ServerFilesReadBackTheSame) {
  EXPECT_EQ(file_bytes(mnt_ + "/from-server"), file_bytes(remote_ + "/from-server"));
  struct stat st{};
  ASSERT_EQ(::stat((mnt_ + "/from-server").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 300001);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  // A directory listed in several readdir rounds: every name, once.
  EXPECT_EQ(names_in(mnt_ + "/listing"), names_in(remote_ + "/listing"));
  EXPECT_EQ(names_in(mnt_ + "/listing").size(), 200u);
}

TEST_P(Sshfs, NameChangesHappenOnTheServer) {
  ASSERT_EQ(::mkdir((mnt_ + "/dir").c_str(), 0750), 0) << std::strerror(errno);
  ASSERT_TRUE(write_file(mnt_ + "/dir/file", "contents\n"));
  ASSERT_EQ(::rename((mnt_ + "/dir/file").c_str(), (mnt_ + "/moved").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(file_bytes(remote_ + "/moved"), "contents\n");
  EXPECT_NE(::access((remote_ + "/dir/file").c_str(), F_OK), 0);
  ASSERT_EQ(::symlink("moved", (mnt_ + "/link").c_str()), 0) << std::strerror(errno);
  char target[64] = {};
  EXPECT_EQ(::readlink((mnt_ + "/link").c_str(), target, sizeof target - 1), 5);
  EXPECT_STREQ(target, "moved");
  EXPECT_EQ(::readlink((remote_ + "/link").c_str(), target, sizeof target - 1), 5);
  ASSERT_EQ(::chmod((mnt_ + "/moved").c_str(), 0604), 0);
  ASSERT_EQ(::truncate((mnt_ + "/moved").c_str(), 3), 0);
  struct stat st{};
  ASSERT_EQ(::stat((remote_ + "/moved").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  EXPECT_EQ(st.st_size, 3);
  ASSERT_EQ(::unlink((mnt_ + "/link").c_str()), 0);
  ASSERT_EQ(::rmdir((mnt_ + "/dir").c_str()), 0);
  EXPECT_EQ(names_in(remote_).count("dir"), 0u);
  EXPECT_EQ(names_in(remote_).count("link"), 0u);
  errno = 0;
  EXPECT_EQ(::rmdir((mnt_ + "/listing").c_str()), -1);
  EXPECT_EQ(errno, ENOTEMPTY);
}

// Readers in parallel, each on its own file, every byte checked: sshfs's threads
// wait on the server, and the answers must not cross.
TEST_P(Sshfs, ParallelReadersGetTheirOwnBytes) {
  std::vector<std::string> got(kReaders);
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; ++i)
    readers.emplace_back([&, i] {
      for (int round = 0; round < 3; ++round) {
        std::string bytes = file_bytes(mnt_ + "/reader-" + std::to_string(i));
        if (round == 0 || bytes != got[i]) got[i] = bytes + (round ? "<changed>" : "");
      }
    });
  for (auto& t : readers) t.join();
  for (int i = 0; i < kReaders; ++i)
    EXPECT_EQ(got[i], noise(512 * 1024 + i, 100 + i)) << "reader " << i;
}

INSTANTIATE_TEST_SUITE_P(Transports, Sshfs, ::testing::ValuesIn(dropin_transports()), dropin_transport_name);

}  // namespace
}  // namespace uringfuse::test
