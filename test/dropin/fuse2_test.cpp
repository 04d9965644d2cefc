// A filesystem built with libfuse 2.9's own headers (fuse2_fs.c) on our libfuse.so.2,
// over /dev/fuse and io_uring: each 2.x form that the drop-in turns libfuse 3's calls
// into (getdir, utime, fgetattr, ftruncate, init with 2.x's conn info, rename without
// flags) must be reached and give what a user sees on libfuse 2. bindfs_test.cpp
// runs a real FUSE 2 program; this one reaches the paths bindfs does not take.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include "dropin_harness.hpp"
#include "tree_compare.hpp"

namespace uringfuse::test {
namespace {

class Fuse2Adapter : public DropInMount {
 protected:
  void SetUp() override {
    DropInMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    use_fuse2_dropin();
    std::string mnt = dir_.sub("mnt");
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    // No attribute caching: fstat() on an open file must reach fgetattr.
    ASSERT_NO_FATAL_FAILURE(start(FUSE2_FS, {"-f", "-o", "attr_timeout=0,entry_timeout=0", mnt}, mnt));
  }

  // A counter from the filesystem's /.calls ("name=N name=N ...").
  unsigned calls(const std::string& name) {
    const std::string text = " " + file_bytes(mnt_ + "/.calls");
    const auto at = text.find(" " + name + "=");
    EXPECT_NE(at, std::string::npos) << name << " not in" << text;
    if (at == std::string::npos) return 0;
    return static_cast<unsigned>(std::stoul(text.substr(at + name.size() + 2)));
  }
};

TEST_P(Fuse2Adapter, ListsThroughGetdir) {
  ASSERT_TRUE(write_file(mnt_ + "/a", "one")) << std::strerror(errno);
  ASSERT_TRUE(write_file(mnt_ + "/b", "two")) << std::strerror(errno);
  std::set<std::string> names;
  DIR* d = ::opendir(mnt_.c_str());
  ASSERT_NE(d, nullptr) << std::strerror(errno);
  while (dirent* e = ::readdir(d)) names.insert(e->d_name);
  ::closedir(d);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", ".calls", "a", "b"}));
  EXPECT_GT(calls("getdir"), 0u);
  EXPECT_EQ(file_bytes(mnt_ + "/b"), "two");
}

TEST_P(Fuse2Adapter, UtimeGetsRealTimesForOmitAndNow) {
  ASSERT_TRUE(write_file(mnt_ + "/t", "x"));
  const std::string path = mnt_ + "/t";
  struct timespec both[2] = {{1000000000, 0}, {1234567890, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), both, 0), 0) << std::strerror(errno);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_atime, 1000000000);
  EXPECT_EQ(st.st_mtime, 1234567890);
  // The access time only: utime() has no "leave it", so the file's own must be passed.
  struct timespec atime_only[2] = {{1100000000, 0}, {0, UTIME_OMIT}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), atime_only, 0), 0) << std::strerror(errno);
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_atime, 1100000000);
  EXPECT_EQ(st.st_mtime, 1234567890);
  // Now: the modification time becomes the current one, not UTIME_NOW's magic number.
  const time_t before = ::time(nullptr);
  struct timespec mtime_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), mtime_now, 0), 0) << std::strerror(errno);
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_GE(st.st_mtime, before);
  EXPECT_LE(st.st_mtime, ::time(nullptr));
  EXPECT_EQ(st.st_atime, 1100000000);
  EXPECT_GE(calls("utime"), 3u);
}

TEST_P(Fuse2Adapter, OpenFilesGoThroughFgetattrAndFtruncate) {
  int fd = ::open((mnt_ + "/f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const std::string data = noise(300000, 3);
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(::ftruncate(fd, 1000), 0) << std::strerror(errno);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 1000);
  ::close(fd);
  EXPECT_EQ(file_bytes(mnt_ + "/f"), data.substr(0, 1000));
  EXPECT_GT(calls("ftruncate"), 0u);
  EXPECT_GT(calls("fgetattr"), 0u);
}

TEST_P(Fuse2Adapter, InitSawTheProtocolAndItsReturnIsPrivateData) {
  EXPECT_EQ(calls("proto_major"), 7u);
  EXPECT_GT(calls("context_ok"), 0u);  // fuse_get_context()->private_data == init's return
}

TEST_P(Fuse2Adapter, RenameWithFlagsIsRefusedAndPlainRenameWorks) {
  ASSERT_TRUE(write_file(mnt_ + "/from", "moving"));
  EXPECT_EQ(::renameat2(AT_FDCWD, (mnt_ + "/from").c_str(), AT_FDCWD, (mnt_ + "/to").c_str(), RENAME_NOREPLACE), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(calls("rename"), 0u);  // never reached the filesystem
  ASSERT_EQ(::rename((mnt_ + "/from").c_str(), (mnt_ + "/to").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(file_bytes(mnt_ + "/to"), "moving");
  EXPECT_EQ(calls("rename"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Transports, Fuse2Adapter, ::testing::ValuesIn(dropin_transports()), dropin_transport_name);

}  // namespace
}  // namespace uringfuse::test
