// A high-level filesystem with libfuse 3.14's struct layouts (bufvec_314_fs.c,
// linked to the drop-in the way Debian's binaries are) on both transports: its
// read_buf answers in three buffers of 3.14's stride, two in memory and one in a
// memfd, and its write_buf gathers with the drop-in's fuse_buf_copy. Every byte
// read must be the pattern's, every byte written must come back.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "dropin_harness.hpp"
#include "tree_compare.hpp"

namespace uringfuse::test {
namespace {

constexpr std::size_t kStartSize = 200000;  // bufvec_314_fs.c's

unsigned char pattern_byte(std::size_t i) { return static_cast<unsigned char>((i * 7 + i / 251) & 0xff); }

std::string pattern(std::size_t from, std::size_t len) {
  std::string s(len, '\0');
  for (std::size_t i = 0; i < len; ++i) s[i] = static_cast<char>(pattern_byte(from + i));
  return s;
}

// Reads through O_DIRECT, so the bytes come from the filesystem and not from the
// page cache our own writes filled.
std::string read_direct(const std::string& path, std::size_t off, std::size_t len) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT);
  if (fd < 0) return "open: " + std::string(std::strerror(errno));
  void* mem = nullptr;
  if (::posix_memalign(&mem, 4096, len + 4096) != 0) {
    ::close(fd);
    return "no memory";
  }
  const ssize_t n = ::pread(fd, mem, len, static_cast<off_t>(off));
  std::string got = n < 0 ? "pread: " + std::string(std::strerror(errno)) : std::string(static_cast<char*>(mem), n);
  std::free(mem);
  ::close(fd);
  return got;
}

class Layout314 : public DropInMount {
 protected:
  void SetUp() override {
    DropInMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string mnt = dir_.sub("mnt");
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    ASSERT_NO_FATAL_FAILURE(start(BUFVEC_314_FS, {"-f", mnt}, mnt));
    file_ = mnt_ + "/pieces";
  }
  std::string file_;
};

TEST_P(Layout314, ReadBufInThreeBuffersGivesEveryByte) {
  EXPECT_EQ(file_bytes(file_), pattern(0, kStartSize));
  std::mt19937 rng(3);
  for (int i = 0; i < 100; ++i) {
    const std::size_t off = (rng() % kStartSize) & ~std::size_t{511};
    const std::size_t len = 512 * (1 + rng() % 256);
    const std::size_t want = std::min(len, kStartSize - off);
    ASSERT_EQ(read_direct(file_, off, len), pattern(off, want)) << "at " << off << " length " << len;
  }
}

TEST_P(Layout314, WriteBufGathersWhatIsWritten) {
  const std::string block = noise(70000, 9);
  int fd = ::open(file_.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::pwrite(fd, block.data(), block.size(), 12345), static_cast<ssize_t>(block.size()));
  // Past the end: the file grows.
  ASSERT_EQ(::pwrite(fd, "tail", 4, kStartSize + 100), 4);
  ASSERT_EQ(::close(fd), 0);
  std::string want = pattern(0, kStartSize + 104);
  want.replace(12345, block.size(), block);
  want.replace(kStartSize, 100, std::string(100, '\0'));
  want.replace(kStartSize + 100, 4, "tail");
  const std::string got = read_direct(file_, 0, 256 * 1024);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the bytes read back differ from those written";
}

INSTANTIATE_TEST_SUITE_P(Transports, Layout314, ::testing::ValuesIn(dropin_transports()), dropin_transport_name);

}  // namespace
}  // namespace uringfuse::test
