// The passthrough's file data paths over every transport: O_DIRECT opens that read
// the source with O_DIRECT too (so the disk, not the daemon's page cache, serves
// them), unaligned reads of such files, and --ring-io, which moves reads and writes
// onto the request's ring as coroutines (doc/passthrough.md).
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "../support/example_mount.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kSize = 4 << 20;

unsigned char byte_at(std::size_t i) { return static_cast<unsigned char>(i * 7 + i / 4096 * 13 + 1); }

// Descriptors of `pid` opened with O_DIRECT, from /proc/PID/fdinfo.
int direct_descriptors(pid_t pid) {
  int n = 0;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path());
    std::string key;
    unsigned long flags = 0;
    while (in >> key) {
      if (key == "flags:") {
        in >> std::oct >> flags;
        if (flags & O_DIRECT) ++n;
        break;
      }
    }
  }
  return n;
}

unsigned long long backend_ops(const std::string& log) {
  static const std::regex line(R"((\d+) backend operations)");
  unsigned long long total = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it)
    total += std::stoull((*it)[1].str());
  return total;
}

struct AlignedBuffer {
  explicit AlignedBuffer(std::size_t n) : data(static_cast<unsigned char*>(std::aligned_alloc(4096, n))) {}
  ~AlignedBuffer() { std::free(data); }
  unsigned char* data;
};

class PassthroughIo : public PassthroughMount<::testing::TestWithParam<Transport>> {
 protected:
  void SetUp() override {
    PassthroughMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string block(kSize, '\0');
    for (std::size_t i = 0; i < kSize; ++i) block[i] = static_cast<char>(byte_at(i));
    std::ofstream(src_ + "/data", std::ios::binary).write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  std::string stop() {
    daemon_->signal(SIGTERM);
    auto status = daemon_->wait(15s);
    EXPECT_TRUE(status.has_value());
    return daemon_->output();
  }
  // Aligned and unaligned reads of an O_DIRECT open, every byte checked.
  void check_direct_reads() {
    int fd = ::open((mnt_ + "/data").c_str(), O_RDONLY | O_DIRECT);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    EXPECT_GE(direct_descriptors(daemon_->pid()), 1) << "the daemon reads the source buffered";
    AlignedBuffer buf(256 * 1024);
    std::mt19937 rng(3);
    for (int i = 0; i < 200; ++i) {
      const std::size_t blocks = 1 + rng() % 64, off = (rng() % (kSize / 4096 - blocks)) * 4096;
      ASSERT_EQ(::pread(fd, buf.data, blocks * 4096, static_cast<off_t>(off)), static_cast<ssize_t>(blocks * 4096));
      for (std::size_t k = 0; k < blocks * 4096; ++k) ASSERT_EQ(buf.data[k], byte_at(off + k)) << off + k;
    }
    // FUSE does not ask for alignment: these still work (through the buffered descriptor).
    std::vector<unsigned char> odd(1001);
    ASSERT_EQ(::pread(fd, odd.data() + 1, 1000, 12345), 1000);
    for (std::size_t k = 0; k < 1000; ++k) ASSERT_EQ(odd[k + 1], byte_at(12345 + k));
    // The end of the file: short, from an aligned offset.
    ASSERT_EQ(::pread(fd, buf.data, 8192, static_cast<off_t>(kSize - 4096)), 4096);
    ::close(fd);
  }
};

TEST_P(PassthroughIo, DirectOpensReadTheSourceDirectly) {
  start_passthrough(GetParam().args);
  check_direct_reads();
  // A buffered write is seen by the next O_DIRECT read (the kernel writes the dirty
  // pages back first).
  int wfd = ::open((mnt_ + "/data").c_str(), O_WRONLY);
  ASSERT_GE(wfd, 0);
  std::string fresh(8192, 'Q');
  ASSERT_EQ(::pwrite(wfd, fresh.data(), fresh.size(), 40960), 8192);
  ::close(wfd);
  int fd = ::open((mnt_ + "/data").c_str(), O_RDONLY | O_DIRECT);
  ASSERT_GE(fd, 0);
  AlignedBuffer buf(8192);
  ASSERT_EQ(::pread(fd, buf.data, 8192, 40960), 8192);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf.data), 8192), fresh);
  ::close(fd);
}

// --ring-io=on and off over io_uring: the same bytes, and the counters say which
// path carried them. (auto is on here: the test's source is not tmpfs.)
TEST_P(PassthroughIo, RingIoCarriesReadsAndWritesOnlyWhenOn) {
  if (!GetParam().uring()) {
    // Over /dev/fuse the setting changes nothing; reads must still be right.
    start_passthrough(GetParam().args);
    check_direct_reads();
    return;
  }
  for (const char* setting : {"--ring-io=on", "--ring-io=off"}) {
    auto args = GetParam().args;
    args.push_back(setting);
    start_passthrough(args);
    check_direct_reads();
    int fd = ::open((mnt_ + "/scratch").c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    std::string chunk(100000, std::string(setting).ends_with("on") ? 'N' : 'F');
    ASSERT_EQ(::pwrite(fd, chunk.data(), chunk.size(), 777), static_cast<ssize_t>(chunk.size()));
    std::string back(chunk.size(), '\0');
    ASSERT_EQ(::pread(fd, back.data(), back.size(), 777), static_cast<ssize_t>(back.size()));
    EXPECT_EQ(back, chunk);
    ::close(fd);
    auto log = stop();
    if (std::string(setting) == "--ring-io=on") {
      EXPECT_GT(backend_ops(log), 0u) << log;
    } else {
      EXPECT_EQ(backend_ops(log), 0u) << log;
    }
    force_unmount(mnt_);
    daemon_.reset();
    uring_ = false;
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, PassthroughIo, ::testing::ValuesIn(all_transports()), transport_name);

}  // namespace
}  // namespace uringfuse::test
