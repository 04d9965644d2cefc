// Debian's fuse-overlayfs (a libfuse lowlevel filesystem linked against
// libfuse3.so.3), unchanged, on our drop-in: the overlay behaviour its users rely
// on, checked through the mount and in the upper and lower directories beneath it.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dropin_harness.hpp"
#include "tree_compare.hpp"

namespace uringfuse::test {
namespace {

const char* const kOverlayfs = "/usr/bin/fuse-overlayfs";

bool put(const std::string& path, const std::string& data, int flags = O_WRONLY | O_CREAT | O_TRUNC) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = ::fsync(fd) == 0 && ok;  // past any writeback cache, down to the upper layer
  return ::close(fd) == 0 && ok;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

class Overlayfs : public DropInMount {
 protected:
  void SetUp() override {
    DropInMount::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    require_program(kOverlayfs);
    if (IsSkipped() || HasFatalFailure()) return;
    lower_ = dir_.sub("lower");
    upper_ = dir_.sub("upper");
    std::string work = dir_.sub("work"), mnt = dir_.sub("mnt");
    for (const auto& d : {lower_, upper_, work, mnt}) ASSERT_EQ(::mkdir(d.c_str(), 0755), 0);
    ASSERT_TRUE(put(lower_ + "/lower-file", "from the lower layer\n"));
    ASSERT_EQ(::mkdir((lower_ + "/lower-dir").c_str(), 0755), 0);
    ASSERT_TRUE(put(lower_ + "/lower-dir/inside", "inside a lower directory\n"));
    ASSERT_TRUE(put(lower_ + "/lower-dir/second", "another one\n"));
    ASSERT_TRUE(put(upper_ + "/upper-file", "from the upper layer\n"));
    ASSERT_TRUE(put(lower_ + "/shadowed", "lower version\n"));
    ASSERT_TRUE(put(upper_ + "/shadowed", "upper version\n"));
    lower_copy_ = dir_.sub("lower-before");
    ASSERT_EQ(::mkdir(lower_copy_.c_str(), 0755), 0);
    ASSERT_NO_FATAL_FAILURE(snapshot(lower_, lower_copy_));
    std::string opts = "lowerdir=" + lower_ + ",upperdir=" + upper_ + ",workdir=" + work;
    ASSERT_NO_FATAL_FAILURE(start(kOverlayfs, {"-f", "-o", opts, mnt}, mnt));
  }

  void TearDown() override {
    DropInMount::TearDown();
    // Whatever a test did through the mount, the lower layer is never written.
    if (!lower_copy_.empty() && !IsSkipped()) {
      auto diffs = compare_trees(lower_copy_, lower_);
      EXPECT_TRUE(diffs.empty()) << "the lower layer changed: " << (diffs.empty() ? "" : diffs.front());
    }
  }

  // A copy of the lower layer's files, to show afterwards it did not change.
  void snapshot(const std::string& from, const std::string& to) {
    for (const auto& rel : walk_tree(from)) {
      struct stat st {};
      ASSERT_EQ(::lstat((from + "/" + rel).c_str(), &st), 0);
      if (S_ISDIR(st.st_mode)) {
        ASSERT_EQ(::mkdir((to + "/" + rel).c_str(), st.st_mode & 07777), 0);
      } else {
        ASSERT_TRUE(put(to + "/" + rel, file_bytes(from + "/" + rel)));
        ASSERT_EQ(::chmod((to + "/" + rel).c_str(), st.st_mode & 07777), 0);
      }
      struct timespec times[2] = {st.st_atim, st.st_mtim};
      ASSERT_EQ(::utimensat(AT_FDCWD, (to + "/" + rel).c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
    }
    for (const auto& rel : walk_tree(from)) {  // directories last: their files set their mtime
      struct stat st {};
      ASSERT_EQ(::lstat((from + "/" + rel).c_str(), &st), 0);
      struct timespec times[2] = {st.st_atim, st.st_mtim};
      if (S_ISDIR(st.st_mode)) {
        ASSERT_EQ(::utimensat(AT_FDCWD, (to + "/" + rel).c_str(), times, 0), 0);
      }
    }
  }

  std::string at(const std::string& rel) const { return mnt_ + "/" + rel; }

  std::string lower_, upper_, lower_copy_;
};

TEST_P(Overlayfs, MergesTheLayers) {
  EXPECT_EQ(names_in(mnt_), (std::set<std::string>{"lower-dir", "lower-file", "shadowed", "upper-file"}));
  EXPECT_EQ(names_in(at("lower-dir")), (std::set<std::string>{"inside", "second"}));
  EXPECT_EQ(file_bytes(at("lower-file")), "from the lower layer\n");
  EXPECT_EQ(file_bytes(at("upper-file")), "from the upper layer\n");
  EXPECT_EQ(file_bytes(at("shadowed")), "upper version\n");
}

TEST_P(Overlayfs, WritingALowerFileCopiesItUp) {
  ASSERT_TRUE(put(at("lower-file"), "appended\n", O_WRONLY | O_APPEND));
  EXPECT_EQ(file_bytes(at("lower-file")), "from the lower layer\nappended\n");
  EXPECT_EQ(file_bytes(upper_ + "/lower-file"), "from the lower layer\nappended\n");
  EXPECT_EQ(file_bytes(lower_ + "/lower-file"), "from the lower layer\n");
  // Metadata changes copy up too, and leave the lower file as it was.
  ASSERT_EQ(::chmod(at("lower-dir/inside").c_str(), 0600), 0);
  struct stat st {};
  ASSERT_EQ(::stat(at("lower-dir/inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat((upper_ + "/lower-dir/inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::truncate(at("lower-dir/second").c_str(), 3), 0);
  EXPECT_EQ(file_bytes(at("lower-dir/second")), "ano");
}

TEST_P(Overlayfs, DeletingALowerFileLeavesAWhiteout) {
  ASSERT_EQ(::unlink(at("lower-file").c_str()), 0) << std::strerror(errno);
  EXPECT_FALSE(exists(at("lower-file")));
  EXPECT_EQ(names_in(mnt_), (std::set<std::string>{"lower-dir", "shadowed", "upper-file"}));
  EXPECT_TRUE(exists(lower_ + "/lower-file"));
  struct stat st {};
  ASSERT_EQ(::lstat((upper_ + "/lower-file").c_str(), &st), 0) << "no whiteout in the upper layer";
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  // A new file of the same name replaces the whiteout.
  ASSERT_TRUE(put(at("lower-file"), "reborn\n"));
  EXPECT_EQ(file_bytes(at("lower-file")), "reborn\n");
}

TEST_P(Overlayfs, ARemovedLowerDirectoryComesBackEmpty) {
  ASSERT_EQ(::unlink(at("lower-dir/inside").c_str()), 0);
  ASSERT_EQ(::unlink(at("lower-dir/second").c_str()), 0);
  ASSERT_EQ(::rmdir(at("lower-dir").c_str()), 0) << std::strerror(errno);
  EXPECT_FALSE(exists(at("lower-dir")));
  ASSERT_EQ(::mkdir(at("lower-dir").c_str(), 0755), 0);
  EXPECT_TRUE(names_in(at("lower-dir")).empty()) << "the lower directory's files show through";
  EXPECT_EQ(names_in(lower_ + "/lower-dir"), (std::set<std::string>{"inside", "second"}));
}

TEST_P(Overlayfs, Renames) {
  ASSERT_EQ(::rename(at("lower-file").c_str(), at("renamed").c_str()), 0) << std::strerror(errno);
  EXPECT_FALSE(exists(at("lower-file")));
  EXPECT_EQ(file_bytes(at("renamed")), "from the lower layer\n");
  // Over an existing file, which goes.
  ASSERT_EQ(::rename(at("upper-file").c_str(), at("shadowed").c_str()), 0);
  EXPECT_EQ(file_bytes(at("shadowed")), "from the upper layer\n");
  EXPECT_FALSE(exists(at("upper-file")));
  // A directory with contents, made through the mount.
  ASSERT_EQ(::mkdir(at("new-dir").c_str(), 0755), 0);
  ASSERT_TRUE(put(at("new-dir/child"), "child\n"));
  ASSERT_EQ(::rename(at("new-dir").c_str(), at("moved-dir").c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(file_bytes(at("moved-dir/child")), "child\n");
  EXPECT_FALSE(exists(at("new-dir")));
  // Into another directory.
  ASSERT_EQ(::rename(at("renamed").c_str(), at("moved-dir/renamed").c_str()), 0);
  EXPECT_EQ(names_in(at("moved-dir")), (std::set<std::string>{"child", "renamed"}));
  errno = 0;
  EXPECT_EQ(::rename(at("absent").c_str(), at("anything").c_str()), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST_P(Overlayfs, HardLinksShareTheirData) {
  ASSERT_EQ(::link(at("lower-file").c_str(), at("second-name").c_str()), 0) << std::strerror(errno);
  struct stat a {}, b {};
  ASSERT_EQ(::stat(at("lower-file").c_str(), &a), 0);
  ASSERT_EQ(::stat(at("second-name").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(b.st_nlink, 2u);
  ASSERT_TRUE(put(at("second-name"), "written through the link\n"));
  EXPECT_EQ(file_bytes(at("lower-file")), "written through the link\n");
  ASSERT_EQ(::unlink(at("lower-file").c_str()), 0);
  ASSERT_EQ(::stat(at("second-name").c_str(), &b), 0);
  EXPECT_EQ(b.st_nlink, 1u);
  EXPECT_EQ(file_bytes(at("second-name")), "written through the link\n");
}

TEST_P(Overlayfs, ExtendedAttributes) {
  const std::string file = at("lower-file");
  ASSERT_EQ(::setxattr(file.c_str(), "user.colour", "blue", 4, 0), 0) << std::strerror(errno);
  char value[32] = {};
  EXPECT_EQ(::getxattr(file.c_str(), "user.colour", value, sizeof value), 4);
  EXPECT_EQ(std::string(value, 4), "blue");
  char names[256] = {};
  ssize_t n = ::listxattr(file.c_str(), names, sizeof names);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(names, static_cast<std::size_t>(n)).find("user.colour"), std::string::npos);
  errno = 0;
  EXPECT_EQ(::setxattr(file.c_str(), "user.colour", "red", 3, XATTR_CREATE), -1);
  EXPECT_EQ(errno, EEXIST);
  ASSERT_EQ(::removexattr(file.c_str(), "user.colour"), 0);
  errno = 0;
  EXPECT_EQ(::getxattr(file.c_str(), "user.colour", value, sizeof value), -1);
  EXPECT_EQ(errno, ENODATA);
  EXPECT_EQ(::getxattr((lower_ + "/lower-file").c_str(), "user.colour", value, sizeof value), -1);
}

TEST_P(Overlayfs, LargeWritesArriveWhole) {
  const std::string data = noise(6 * 1024 * 1024 + 123, 5);
  int fd = ::open(at("big").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  std::mt19937 rng(3);
  for (std::size_t done = 0; done < data.size();) {
    std::size_t len = std::min<std::size_t>(1 + rng() % 300000, data.size() - done);
    ASSERT_EQ(::write(fd, data.data() + done, len), static_cast<ssize_t>(len));
    done += len;
  }
  ASSERT_EQ(::fsync(fd), 0);
  ASSERT_EQ(::close(fd), 0);
  EXPECT_TRUE(file_bytes(at("big")) == data) << "the file read back through the mount differs";
  EXPECT_TRUE(file_bytes(upper_ + "/big") == data) << "the upper layer's copy differs";
  // Overwrite a lower file at odd offsets, and past its end.
  fd = ::open(at("lower-dir/inside").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "XYZ", 3, 7), 3);
  ASSERT_EQ(::pwrite(fd, "tail", 4, 100), 4);
  ASSERT_EQ(::close(fd), 0);
  std::string want = "inside a lower directory\n";
  want.replace(7, 3, "XYZ");
  want.resize(100, '\0');
  want += "tail";
  EXPECT_EQ(file_bytes(at("lower-dir/inside")), want);
}

// fuse-overlayfs serves from libfuse's single-threaded loop and locks nothing, so
// two handlers at once corrupt it. Two clients on two CPUs reach two io_uring
// queues: the drop-in must still run one handler at a time (a 2-thread ring set
// crashed it within 3000 create/unlink pairs).
TEST_P(Overlayfs, ClientsOnEveryCpuAtOnce) {
  constexpr int kRounds = 2500;
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int c = 0; c < 2; ++c)
    clients.emplace_back([&, c] {
      // One client per CPU: per-CPU queues.
      pin_this_thread(c % std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
      for (int i = 0; i < kRounds; ++i) {
        std::string name = at("client" + std::to_string(c) + "-" + std::to_string(i));
        int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || ::close(fd) != 0 || ::unlink(name.c_str()) != 0) {
          ++failures;
          return;
        }
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0) << "a create/unlink failed: " << daemon_->output();
  EXPECT_FALSE(daemon_->wait(std::chrono::milliseconds(0)).has_value()) << "fuse-overlayfs died:\n"
                                                                       << daemon_->output();
  EXPECT_EQ(names_in(mnt_), (std::set<std::string>{"lower-dir", "lower-file", "shadowed", "upper-file"}));
}

INSTANTIATE_TEST_SUITE_P(Transports, Overlayfs, ::testing::ValuesIn(dropin_transports()), dropin_transport_name);

}  // namespace
}  // namespace uringfuse::test
