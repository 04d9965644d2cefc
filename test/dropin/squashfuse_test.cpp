// Debian's squashfuse_ll (a libfuse lowlevel filesystem) and squashfuse (the same
// on libfuse's high-level, path API: fuse_main, fuse_get_context), both linked
// against libfuse3.so.3, unchanged, on our drop-in: an image made with mksquashfs
// from a tree with every kind of entry is mounted and compared with its source,
// file by file and byte by byte.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <string>

#include "dropin_harness.hpp"
#include "tree_compare.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

const char* const kSquashfuseLowlevel = "/usr/bin/squashfuse_ll";
const char* const kSquashfuseHighLevel = "/usr/bin/squashfuse";
const char* const kMksquashfs = "/usr/bin/mksquashfs";

// The image must keep the exact mode bits (setuid included), whatever the umask.
bool put(const std::string& path, const std::string& data, mode_t mode = 0644) {
  return write_file(path, data, mode) && ::chmod(path.c_str(), mode) == 0;
}

class Squashfuse : public DropInMount {
 protected:
  void SetUp() override {
    DropInMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    require_program(GetParam().program);
    if (IsSkipped() || HasFatalFailure()) return;
    require_program(kMksquashfs);
    if (IsSkipped() || HasFatalFailure()) return;
    src_ = dir_.sub("src");
    ASSERT_NO_FATAL_FAILURE(make_tree());
    image_ = dir_.sub("image.sqfs");
    Process mk(kMksquashfs, {src_, image_, "-noappend", "-quiet", "-xattrs", "-processors", "1"},
               dir_.sub("mksquashfs.log"));
    auto status = mk.wait(120s);
    ASSERT_TRUE(status.has_value() && *status == 0) << "mksquashfs failed:\n" << mk.output();
    std::string mnt = dir_.sub("mnt");
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    ASSERT_NO_FATAL_FAILURE(start(GetParam().program, {"-f", image_, mnt}, mnt));
  }

  // Every kind of entry squashfs stores, with sizes around block and page edges.
  void make_tree() {
    auto at = [&](const std::string& rel) { return src_ + "/" + rel; };
    ASSERT_EQ(::mkdir(src_.c_str(), 0755), 0);
    unsigned seed = 1;
    for (std::size_t size : {0ul, 1ul, 4095ul, 4096ul, 4097ul, 131072ul + 5, 3ul * 1024 * 1024 + 11})
      ASSERT_TRUE(put(at("size-" + std::to_string(size)), noise(size, seed++)));
    std::string text;
    for (int i = 0; i < 40000; ++i) text += "line " + std::to_string(i % 97) + " of a compressible file\n";
    ASSERT_TRUE(put(at("compressible.txt"), text));
    // Sparse: 16 MiB with one block of data in the middle.
    int fd = ::open(at("sparse").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    std::string block = noise(4096, 99);
    ASSERT_EQ(::pwrite(fd, block.data(), block.size(), 8 << 20), 4096);
    ASSERT_EQ(::ftruncate(fd, 16 << 20), 0);
    ::close(fd);
    // A directory of many entries: readdir takes several rounds.
    ASSERT_EQ(::mkdir(at("many").c_str(), 0755), 0);
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(put(at("many/file-" + std::to_string(i)), std::to_string(i * i)));
    ASSERT_EQ(::mkdir(at("a").c_str(), 0700), 0);
    std::string deep = "a";
    for (const char* part : {"b", "c", "d", "e"}) {
      deep += std::string("/") + part;
      ASSERT_EQ(::mkdir(at(deep).c_str(), 0755), 0);
    }
    ASSERT_TRUE(put(at(deep + "/deepest"), "at the bottom\n", 0600));
    ASSERT_TRUE(put(at("name with spaces"), "spaces\n"));
    ASSERT_TRUE(put(at("na\xc3\xafve-\xc3\x9f"), "utf-8\n"));
    ASSERT_TRUE(put(at("setuid-tool"), "#!/bin/sh\n", 04755));
    ASSERT_TRUE(put(at("private"), "secret\n", 0600));
    ASSERT_EQ(::symlink("size-4096", at("link-relative").c_str()), 0);
    ASSERT_EQ(::symlink("/nonexistent/target", at("link-dangling").c_str()), 0);
    ASSERT_EQ(::symlink("a/b", at("link-to-dir").c_str()), 0);
    ASSERT_EQ(::link(at("size-4097").c_str(), at("hardlink-to-4097").c_str()), 0);
    ASSERT_EQ(::mkfifo(at("fifo").c_str(), 0640), 0);
    ASSERT_EQ(::mknod(at("null-device").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    ASSERT_TRUE(put(at("with-xattrs"), "tagged\n"));
    ASSERT_EQ(::setxattr(at("with-xattrs").c_str(), "user.comment", "kept in the image", 17, 0), 0)
        << std::strerror(errno);
    // No empty value: squashfuse answers ENODATA for one on libfuse too.
    ASSERT_EQ(::setxattr(at("with-xattrs").c_str(), "user.second", "2", 1, 0), 0);
    struct timespec times[2] = {{1000000000, 0}, {1234567890, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, at("private").c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
  }

  std::string src_, image_;
};

TEST_P(Squashfuse, ImageMatchesItsSourceFileByFile) {
  auto diffs = compare_trees(src_, mnt_);
  std::string all;
  for (const auto& d : diffs) all += d + "\n";
  EXPECT_TRUE(diffs.empty()) << diffs.size() << " differences:\n" << all;
  EXPECT_EQ(walk_tree(mnt_).size(), walk_tree(src_).size());
}

// Reads at random offsets and lengths, crossing squashfs blocks and fragments.
TEST_P(Squashfuse, RandomReadsReturnTheSourceBytes) {
  const std::string name = "size-" + std::to_string(3ul * 1024 * 1024 + 11);
  std::string want = file_bytes(src_ + "/" + name);
  int fd = ::open((mnt_ + "/" + name).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::mt19937 rng(7);
  std::string buf(300000, '\0');
  for (int i = 0; i < 300; ++i) {
    std::size_t off = rng() % want.size(), len = 1 + rng() % buf.size();
    ssize_t n = ::pread(fd, buf.data(), len, static_cast<off_t>(off));
    ASSERT_EQ(n, static_cast<ssize_t>(std::min(len, want.size() - off))) << "at " << off << " len " << len;
    ASSERT_EQ(0, std::memcmp(buf.data(), want.data() + off, static_cast<std::size_t>(n))) << "at " << off;
  }
  EXPECT_EQ(::pread(fd, buf.data(), 10, static_cast<off_t>(want.size())), 0);
  ::close(fd);
}

TEST_P(Squashfuse, IsReadOnlyAndReportsItsSize) {
  errno = 0;
  EXPECT_EQ(::open((mnt_ + "/new-file").c_str(), O_WRONLY | O_CREAT, 0644), -1);
  EXPECT_EQ(errno, EROFS);
  errno = 0;
  EXPECT_EQ(::open((mnt_ + "/size-1").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EROFS);
  struct statvfs st {};
  ASSERT_EQ(::statvfs(mnt_.c_str(), &st), 0);
  EXPECT_GT(st.f_blocks, 0u);
  char value[64] = {};
  EXPECT_EQ(::getxattr((mnt_ + "/with-xattrs").c_str(), "user.comment", value, sizeof value), 17);
  EXPECT_STREQ(value, "kept in the image");
  errno = 0;
  EXPECT_EQ(::getxattr((mnt_ + "/with-xattrs").c_str(), "user.absent", value, sizeof value), -1);
  EXPECT_EQ(errno, ENODATA);
}

INSTANTIATE_TEST_SUITE_P(Transports, Squashfuse,
                         ::testing::ValuesIn(dropin_transports_for({kSquashfuseLowlevel, kSquashfuseHighLevel})),
                         dropin_transport_name);

}  // namespace
}  // namespace uringfuse::test
