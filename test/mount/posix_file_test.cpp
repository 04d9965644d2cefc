// POSIX file behaviour, run against a plain directory (the reference) and the
// passthrough example over every transport: open flags, positioned I/O, sparse files,
// truncation, fallocate, copy_file_range, SEEK_DATA/SEEK_HOLE, mmap, statx, statvfs,
// O_DIRECT and O_TMPFILE.
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "../support/fs_target.hpp"

namespace uringfuse::test {
namespace {

constexpr off_t KiB = 1024;
constexpr off_t MiB = 1024 * KiB;
constexpr off_t GiB = 1024 * MiB;

class PosixFile : public FsTargetTest<> {
 protected:
  Fd open_file(const std::string& rel, int flags, mode_t mode = 0644) {
    return Fd(::open(path(rel).c_str(), flags | O_CLOEXEC, mode));
  }
};

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
std::unique_ptr<char, FreeDeleter> aligned_buffer(std::size_t size) {
  void* p = nullptr;
  if (::posix_memalign(&p, 4096, size) != 0) return nullptr;
  return std::unique_ptr<char, FreeDeleter>(static_cast<char*>(p));
}

// ---- open flags ----

TEST_P(PosixFile, OpenCreateExclOnExistingFailsEexist) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::open(path("f").c_str(), O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
  EXPECT_EQ(read_file(path("f")).value_or("?"), "x");
}

TEST_P(PosixFile, OpenCreateExclCreatesEmptyFileWithMode) {
  Fd fd = open_file("f", O_RDWR | O_CREAT | O_EXCL, 0640);
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
}

TEST_P(PosixFile, OpenCreateAppliesUmask) {
  mode_t old = ::umask(027);
  Fd fd = open_file("f", O_RDWR | O_CREAT, 0666);
  int err = errno;
  ::umask(old);
  ASSERT_TRUE(fd.ok()) << errno_name(err);
  struct stat st {};
  ASSERT_SYS(::stat(path("f").c_str(), &st));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_P(PosixFile, OpenMissingFailsEnoent) {
  EXPECT_ERRNO(::open(path("missing").c_str(), O_RDONLY), ENOENT);
}

TEST_P(PosixFile, OpenCreateInMissingDirFailsEnoent) {
  EXPECT_ERRNO(::open(path("nodir/f").c_str(), O_RDWR | O_CREAT, 0644), ENOENT);
}

TEST_P(PosixFile, OpenTruncEmptiesFile) {
  ASSERT_TRUE(write_file(path("f"), "hello world"));
  Fd fd = open_file("f", O_WRONLY | O_TRUNC);
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_size, 0);
  ASSERT_SYS(::stat(path("f").c_str(), &st));
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(read_file(path("f")).value_or("?"), "");
}

TEST_P(PosixFile, OpenAppendWritesAtEndAfterPwriteElsewhere) {
  ASSERT_TRUE(write_file(path("f"), "abc"));
  Fd app = open_file("f", O_WRONLY | O_APPEND);
  Fd rw = open_file("f", O_RDWR);
  ASSERT_TRUE(app.ok() && rw.ok()) << errno_name(errno);
  ASSERT_EQ(::pwrite(rw, "XYZ", 3, 10), 3) << errno_name(errno);  // grows the file to 13
  ASSERT_EQ(::write(app, "def", 3), 3) << errno_name(errno);
  EXPECT_EQ(::lseek(app, 0, SEEK_CUR), 16);
  EXPECT_EQ(read_file(path("f")).value_or("?"), std::string("abc") + std::string(7, '\0') + "XYZdef");
}

TEST_P(PosixFile, PwriteOnAppendFdStillAppends) {
  // Linux ignores the offset of pwrite on an O_APPEND descriptor (see pwrite(2), BUGS).
  ASSERT_TRUE(write_file(path("f"), "0123456789"));
  Fd app = open_file("f", O_WRONLY | O_APPEND);
  ASSERT_TRUE(app.ok()) << errno_name(errno);
  ASSERT_EQ(::pwrite(app, "ab", 2, 0), 2) << errno_name(errno);
  EXPECT_EQ(read_file(path("f")).value_or("?"), "0123456789ab");
}

TEST_P(PosixFile, OpenReadOnlyWriteFailsEbadf) {
  ASSERT_TRUE(write_file(path("f"), "data"));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  EXPECT_ERRNO(::write(fd, "x", 1), EBADF);
  EXPECT_ERRNO(::pwrite(fd, "x", 1, 0), EBADF);
  EXPECT_EQ(read_file(path("f")).value_or("?"), "data");
}

TEST_P(PosixFile, OpenWriteOnlyReadFailsEbadf) {
  ASSERT_TRUE(write_file(path("f"), "data"));
  Fd fd = open_file("f", O_WRONLY);
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  char c;
  EXPECT_ERRNO(::read(fd, &c, 1), EBADF);
}

TEST_P(PosixFile, OpenDirectoryFlagOnFileFailsEnotdir) {
  ASSERT_TRUE(write_file(path("f"), "x"));
  EXPECT_ERRNO(::open(path("f").c_str(), O_RDONLY | O_DIRECTORY), ENOTDIR);
}

TEST_P(PosixFile, OpenDirWriteOnlyFailsEisdir) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  EXPECT_ERRNO(::open(path("d").c_str(), O_WRONLY), EISDIR);
  EXPECT_ERRNO(::open(path("d").c_str(), O_RDWR), EISDIR);
}

TEST_P(PosixFile, OpenDirectAlignedWriteThenRead) {
  constexpr std::size_t kLen = 64 * 1024;
  auto wbuf = aligned_buffer(kLen);
  auto rbuf = aligned_buffer(kLen);
  ASSERT_TRUE(wbuf && rbuf);
  std::string data = random_bytes(2 * kLen, 11);
  Fd fd = open_file("f", O_RDWR | O_CREAT | O_DIRECT);
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  for (int i = 0; i < 2; ++i) {
    std::memcpy(wbuf.get(), data.data() + i * kLen, kLen);
    ASSERT_EQ(::pwrite(fd, wbuf.get(), kLen, i * static_cast<off_t>(kLen)), static_cast<ssize_t>(kLen))
        << errno_name(errno);
  }
  ASSERT_EQ(::pread(fd, rbuf.get(), kLen, kLen), static_cast<ssize_t>(kLen)) << errno_name(errno);
  EXPECT_EQ(std::memcmp(rbuf.get(), data.data() + kLen, kLen), 0);
  ASSERT_EQ(::pread(fd, rbuf.get(), kLen, 0), static_cast<ssize_t>(kLen)) << errno_name(errno);
  EXPECT_EQ(std::memcmp(rbuf.get(), data.data(), kLen), 0);
  fd.reset();
  EXPECT_TRUE(read_file(path("f")) == data) << "buffered read after O_DIRECT writes differs";
}

TEST_P(PosixFile, OpenDirectReadSeesBufferedWrite) {
  std::string data = random_bytes(8192, 12);
  ASSERT_TRUE(write_file(path("f"), data));
  auto buf = aligned_buffer(8192);
  ASSERT_TRUE(buf);
  Fd fd = open_file("f", O_RDONLY | O_DIRECT);
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  ASSERT_EQ(::pread(fd, buf.get(), 8192, 0), 8192) << errno_name(errno);
  EXPECT_EQ(std::memcmp(buf.get(), data.data(), 8192), 0);
  // At EOF a direct read is short, not an error.
  EXPECT_EQ(::pread(fd, buf.get(), 4096, 8192), 0);
}

// ---- positioned I/O ----

TEST_P(PosixFile, PwriteAndPreadAtOffsets) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  ASSERT_EQ(::pwrite(fd, "AAAA", 4, 0), 4);
  ASSERT_EQ(::pwrite(fd, "BBBB", 4, 100), 4);
  ASSERT_EQ(::pwrite(fd, "CC", 2, 2), 2);
  EXPECT_EQ(pread_string(fd, 4, 0).value_or("?"), "AACC");
  EXPECT_EQ(pread_string(fd, 4, 100).value_or("?"), "BBBB");
  EXPECT_EQ(pread_string(fd, 96, 4).value_or("?"), std::string(96, '\0'));
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 0) << "pwrite/pread must not move the file offset";
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_size, 104);
}

TEST_P(PosixFile, PreadPastEofReturnsZero) {
  ASSERT_TRUE(write_file(path("f"), "0123456789"));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  char buf[16];
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 10), 0);
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 1000), 0);
}

TEST_P(PosixFile, PreadIsShortAtEof) {
  ASSERT_TRUE(write_file(path("f"), "0123456789"));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  char buf[100];
  ASSERT_EQ(::pread(fd, buf, sizeof buf, 5), 5);
  EXPECT_EQ(std::string(buf, 5), "56789");
}

TEST_P(PosixFile, WriteAndReadAdvanceTheOffset) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  ASSERT_EQ(::write(fd, "hello", 5), 5);
  ASSERT_EQ(::write(fd, "world", 5), 5);
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 10);
  ASSERT_EQ(::lseek(fd, 3, SEEK_SET), 3);
  char buf[4] = {};
  ASSERT_EQ(::read(fd, buf, 4), 4);
  EXPECT_EQ(std::string(buf, 4), "lowo");
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 7);
  EXPECT_EQ(::lseek(fd, 0, SEEK_END), 10);
}

TEST_P(PosixFile, ReadvWritevRoundTrip) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  char a[] = "first-", b[] = "second-", c[] = "third";
  struct iovec w[3] = {{a, 6}, {b, 7}, {c, 5}};
  ASSERT_EQ(::pwritev(fd, w, 3, 0), 18);
  char x[5], y[13];
  struct iovec r[2] = {{x, 5}, {y, 13}};
  ASSERT_EQ(::preadv(fd, r, 2, 0), 18);
  EXPECT_EQ(std::string(x, 5) + std::string(y, 13), "first-second-third");
}

TEST_P(PosixFile, LargeWriteReadsBackIdentically) {
  std::string data = random_bytes(8 * MiB + 1234, 13);
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  for (std::size_t off = 0; off < data.size(); off += MiB) {
    std::size_t n = std::min<std::size_t>(MiB, data.size() - off);
    ASSERT_EQ(::write(fd, data.data() + off, n), static_cast<ssize_t>(n)) << errno_name(errno);
  }
  fd.reset();
  fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  // Odd-sized reads that straddle page and request boundaries.
  std::string back;
  char buf[100003];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) back.append(buf, static_cast<std::size_t>(n));
  ASSERT_EQ(n, 0) << errno_name(errno);
  ASSERT_EQ(back.size(), data.size());
  EXPECT_TRUE(back == data) << "content differs";
}

TEST_P(PosixFile, LseekPastEofThenWriteLeavesHole) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  ASSERT_EQ(::lseek(fd, 5000, SEEK_SET), 5000);
  ASSERT_EQ(::write(fd, "x", 1), 1);
  EXPECT_EQ(::lseek(fd, 0, SEEK_END), 5001);
  EXPECT_EQ(pread_string(fd, 5001, 0).value_or("?"), std::string(5000, '\0') + "x");
}

// ---- sparse files and truncation ----

TEST_P(PosixFile, SparseFileHolesReadAsZeros) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  ASSERT_EQ(::pwrite(fd, "end", 3, MiB), 3);
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_size, MiB + 3);
  EXPECT_EQ(pread_string(fd, 4096, 0).value_or("?"), std::string(4096, '\0'));
  EXPECT_EQ(pread_string(fd, 8192, 512 * KiB - 4096).value_or("?"), std::string(8192, '\0'));
  EXPECT_EQ(pread_string(fd, 10, MiB - 7).value_or("?"), std::string(7, '\0') + "end");
}

TEST_P(PosixFile, SparseGigabyteFile) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  ASSERT_EQ(::pwrite(fd, "Z", 1, GiB - 1), 1) << errno_name(errno);
  fd.reset();
  struct stat st {};
  ASSERT_SYS(::stat(path("f").c_str(), &st));
  EXPECT_EQ(st.st_size, GiB);
  EXPECT_LT(st.st_blocks, 1024) << "a 1 GiB file with one byte should allocate almost nothing";
  fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(pread_string(fd, 64 * KiB, 0).value_or("?"), std::string(64 * KiB, '\0'));
  EXPECT_EQ(pread_string(fd, 4096, GiB / 2).value_or("?"), std::string(4096, '\0'));
  EXPECT_EQ(pread_string(fd, 10, GiB - 1).value_or("?"), "Z");
}

TEST_P(PosixFile, FtruncateShrinks) {
  ASSERT_TRUE(write_file(path("f"), std::string(100, 'a')));
  Fd fd = open_file("f", O_RDWR);
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::ftruncate(fd, 10));
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_size, 10);
  EXPECT_EQ(pread_string(fd, 100, 0).value_or("?"), std::string(10, 'a'));
}

TEST_P(PosixFile, FtruncateGrowsWithZeros) {
  ASSERT_TRUE(write_file(path("f"), "abc"));
  Fd fd = open_file("f", O_RDWR);
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::ftruncate(fd, 5000));
  struct stat st {};
  ASSERT_SYS(::stat(path("f").c_str(), &st));
  EXPECT_EQ(st.st_size, 5000);
  EXPECT_EQ(pread_string(fd, 6000, 0).value_or("?"), "abc" + std::string(4997, '\0'));
}

TEST_P(PosixFile, TruncateByPathDownAndUp) {
  ASSERT_TRUE(write_file(path("f"), "0123456789"));
  ASSERT_SYS(::truncate(path("f").c_str(), 4));
  EXPECT_EQ(read_file(path("f")).value_or("?"), "0123");
  ASSERT_SYS(::truncate(path("f").c_str(), 8));
  EXPECT_EQ(read_file(path("f")).value_or("?"), std::string("0123") + std::string(4, '\0'));
}

TEST_P(PosixFile, TruncateDownThenUpDoesNotResurrectData) {
  ASSERT_TRUE(write_file(path("f"), std::string(3 * 4096, 'x')));
  Fd fd = open_file("f", O_RDWR);
  ASSERT_TRUE(fd.ok());
  // Read first so stale pages would be cached if truncation forgot them.
  ASSERT_EQ(pread_string(fd, 3 * 4096, 0).value_or("?"), std::string(3 * 4096, 'x'));
  ASSERT_SYS(::ftruncate(fd, 100));
  ASSERT_SYS(::ftruncate(fd, 3 * 4096));
  EXPECT_EQ(pread_string(fd, 3 * 4096, 0).value_or("?"), std::string(100, 'x') + std::string(3 * 4096 - 100, '\0'));
}

TEST_P(PosixFile, TruncateMissingFailsEnoent) {
  EXPECT_ERRNO(::truncate(path("missing").c_str(), 0), ENOENT);
}

TEST_P(PosixFile, TruncateDirectoryFailsEisdir) {
  ASSERT_SYS(::mkdir(path("d").c_str(), 0755));
  EXPECT_ERRNO(::truncate(path("d").c_str(), 0), EISDIR);
}

TEST_P(PosixFile, FtruncateOnReadOnlyFdFailsEinval) {
  ASSERT_TRUE(write_file(path("f"), "abc"));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_ERRNO(::ftruncate(fd, 0), EINVAL);
  EXPECT_EQ(read_file(path("f")).value_or("?"), "abc");
}

// ---- fallocate ----

TEST_P(PosixFile, FallocateGrowsSize) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::fallocate(fd, 0, 0, MiB));
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_size, MiB);
  EXPECT_GE(st.st_blocks, MiB / 512);
  EXPECT_EQ(pread_string(fd, 64 * KiB, MiB / 2).value_or("?"), std::string(64 * KiB, '\0'));
}

TEST_P(PosixFile, FallocateKeepSizeDoesNotGrow) {
  ASSERT_TRUE(write_file(path("f"), std::string(100, 'k')));
  Fd fd = open_file("f", O_RDWR);
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, MiB));
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_size, 100);
  EXPECT_EQ(pread_string(fd, 200, 0).value_or("?"), std::string(100, 'k'));
}

TEST_P(PosixFile, PunchHoleZerosRangeAndKeepsSize) {
  ASSERT_TRUE(write_file(path("f"), std::string(64 * KiB, 'q')));
  Fd fd = open_file("f", O_RDWR);
  ASSERT_TRUE(fd.ok());
  ASSERT_EQ(pread_string(fd, 64 * KiB, 0).value_or("?"), std::string(64 * KiB, 'q'));  // cache it
  ASSERT_SYS(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192));
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_size, 64 * KiB);
  std::string want = std::string(4096, 'q') + std::string(8192, '\0') + std::string(64 * KiB - 12288, 'q');
  EXPECT_TRUE(pread_string(fd, 64 * KiB, 0) == want) << "punched range not zero or neighbours damaged";
}

TEST_P(PosixFile, PunchHoleUnalignedRange) {
  ASSERT_TRUE(write_file(path("f"), std::string(10000, 'u')));
  Fd fd = open_file("f", O_RDWR);
  ASSERT_TRUE(fd.ok());
  ASSERT_SYS(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 5000));
  std::string want = std::string(100, 'u') + std::string(5000, '\0') + std::string(4900, 'u');
  EXPECT_TRUE(pread_string(fd, 20000, 0) == want);
}

// ---- copy_file_range ----

TEST_P(PosixFile, CopyFileRangeCopiesWholeFile) {
  std::string data = random_bytes(300 * KiB + 17, 14);
  ASSERT_TRUE(write_file(path("src"), data));
  Fd in = open_file("src", O_RDONLY);
  Fd out = open_file("dst", O_WRONLY | O_CREAT);
  ASSERT_TRUE(in.ok() && out.ok());
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, left, 0);
    ASSERT_GT(n, 0) << errno_name(errno);
    left -= static_cast<std::size_t>(n);
  }
  out.reset();
  EXPECT_TRUE(read_file(path("dst")) == data);
}

TEST_P(PosixFile, CopyFileRangeAtOffsets) {
  ASSERT_TRUE(write_file(path("src"), "0123456789"));
  ASSERT_TRUE(write_file(path("dst"), "abcdefghij"));
  Fd in = open_file("src", O_RDONLY);
  Fd out = open_file("dst", O_RDWR);
  ASSERT_TRUE(in.ok() && out.ok());
  loff_t off_in = 2, off_out = 5;
  ASSERT_EQ(::copy_file_range(in, &off_in, out, &off_out, 3, 0), 3) << errno_name(errno);
  EXPECT_EQ(off_in, 5);
  EXPECT_EQ(off_out, 8);
  EXPECT_EQ(::lseek(in, 0, SEEK_CUR), 0);
  EXPECT_EQ(pread_string(out, 20, 0).value_or("?"), "abcde234ij");
}

// ---- SEEK_DATA / SEEK_HOLE ----

TEST_P(PosixFile, SeekDataAndSeekHoleFindExtents) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  std::string block(4096, 'd');
  ASSERT_EQ(::pwrite(fd, block.data(), block.size(), 0), 4096);
  ASSERT_EQ(::pwrite(fd, block.data(), block.size(), MiB), 4096);
  ASSERT_SYS(::ftruncate(fd, 2 * MiB));
  EXPECT_EQ(::lseek(fd, 0, SEEK_DATA), 0);
  EXPECT_EQ(::lseek(fd, 0, SEEK_HOLE), 4096);
  EXPECT_EQ(::lseek(fd, 4096, SEEK_DATA), MiB);
  EXPECT_EQ(::lseek(fd, MiB + 100, SEEK_DATA), MiB + 100);
  EXPECT_EQ(::lseek(fd, MiB, SEEK_HOLE), MiB + 4096);
  EXPECT_ERRNO(::lseek(fd, MiB + 4096, SEEK_DATA), ENXIO);  // only a hole up to EOF
}

TEST_P(PosixFile, SeekHoleOnDenseFileIsEof) {
  ASSERT_TRUE(write_file(path("f"), std::string(10000, 'x')));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(::lseek(fd, 0, SEEK_HOLE), 10000);
  EXPECT_EQ(::lseek(fd, 123, SEEK_DATA), 123);
}

TEST_P(PosixFile, SeekDataAtOrPastEofFailsEnxio) {
  ASSERT_TRUE(write_file(path("f"), "abc"));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_ERRNO(::lseek(fd, 3, SEEK_DATA), ENXIO);
  EXPECT_ERRNO(::lseek(fd, 100, SEEK_HOLE), ENXIO);
}

// ---- mmap ----

TEST_P(PosixFile, MmapSharedWriteVisibleToRead) {
  ASSERT_TRUE(write_file(path("f"), std::string(8192, 'a')));
  Fd fd = open_file("f", O_RDWR);
  ASSERT_TRUE(fd.ok());
  void* p = ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED) << errno_name(errno);
  std::memcpy(static_cast<char*>(p) + 4000, "hello", 5);
  EXPECT_EQ(::msync(p, 8192, MS_SYNC), 0) << errno_name(errno);
  ASSERT_EQ(::munmap(p, 8192), 0);
  fd.reset();
  Fd again = open_file("f", O_RDONLY);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(pread_string(again, 7, 3999).value_or("?"), "ahelloa");
  std::string want = std::string(4000, 'a') + "hello" + std::string(8192 - 4005, 'a');
  EXPECT_TRUE(read_file(path("f")) == want);
}

TEST_P(PosixFile, MmapReadSeesWrittenData) {
  std::string data = random_bytes(3 * 4096 + 100, 15);
  ASSERT_TRUE(write_file(path("f"), data));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  void* p = ::mmap(nullptr, data.size(), PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED) << errno_name(errno);
  EXPECT_EQ(std::memcmp(p, data.data(), data.size()), 0);
  // The tail of the last page past EOF reads as zeros.
  EXPECT_EQ(static_cast<const char*>(p)[data.size()], '\0');
  ::munmap(p, data.size());
}

TEST_P(PosixFile, MmapSeesLaterPwrite) {
  ASSERT_TRUE(write_file(path("f"), std::string(4096, '.')));
  Fd fd = open_file("f", O_RDWR);
  ASSERT_TRUE(fd.ok());
  void* p = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED) << errno_name(errno);
  EXPECT_EQ(static_cast<const char*>(p)[10], '.');
  ASSERT_EQ(::pwrite(fd, "W", 1, 10), 1);
  EXPECT_EQ(static_cast<const char*>(p)[10], 'W');
  ::munmap(p, 4096);
}

// ---- stat family ----

TEST_P(PosixFile, StatxBasicStats) {
  ASSERT_TRUE(write_file(path("f"), std::string(1234, 's'), 0640));
  ASSERT_SYS(::link(path("f").c_str(), path("g").c_str()));
  struct statx stx {};
  ASSERT_SYS(::statx(AT_FDCWD, path("f").c_str(), 0, STATX_BASIC_STATS | STATX_BTIME, &stx));
  EXPECT_EQ(stx.stx_mask & STATX_BASIC_STATS & ~STATX_BLOCKS, STATX_BASIC_STATS & ~STATX_BLOCKS);
  EXPECT_EQ(stx.stx_size, 1234u);
  EXPECT_TRUE(S_ISREG(stx.stx_mode));
  EXPECT_EQ(stx.stx_mode & 07777, 0640u);
  EXPECT_EQ(stx.stx_nlink, 2u);
  EXPECT_EQ(stx.stx_uid, 0u);
  struct stat st {};
  ASSERT_SYS(::stat(path("g").c_str(), &st));
  EXPECT_EQ(stx.stx_ino, st.st_ino);
}

TEST_P(PosixFile, StatxEmptyPathOnFd) {
  ASSERT_TRUE(write_file(path("f"), "12345"));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  struct statx stx {};
  ASSERT_SYS(::statx(fd, "", AT_EMPTY_PATH, STATX_SIZE | STATX_MODE, &stx));
  EXPECT_EQ(stx.stx_size, 5u);
  EXPECT_TRUE(S_ISREG(stx.stx_mode));
}

TEST_P(PosixFile, FstatMatchesStat) {
  ASSERT_TRUE(write_file(path("f"), "contents"));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  struct stat a {}, b {};
  ASSERT_SYS(::fstat(fd, &a));
  ASSERT_SYS(::stat(path("f").c_str(), &b));
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_dev, b.st_dev);
  EXPECT_EQ(a.st_size, b.st_size);
  EXPECT_EQ(a.st_mode, b.st_mode);
  EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
  EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
}

TEST_P(PosixFile, StatvfsReportsSaneValues) {
  struct statvfs sv {};
  ASSERT_SYS(::statvfs(root().c_str(), &sv));
  EXPECT_GT(sv.f_namemax, 0u);
  EXPECT_GT(sv.f_bsize, 0u);
  EXPECT_GT(sv.f_blocks, 0u);
  EXPECT_LE(sv.f_bfree, sv.f_blocks);
  EXPECT_LE(sv.f_bavail, sv.f_bfree);
  ASSERT_TRUE(write_file(path("f"), "x"));
  Fd fd = open_file("f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  struct statvfs fsv {};
  ASSERT_SYS(::fstatvfs(fd, &fsv));
  EXPECT_EQ(fsv.f_namemax, sv.f_namemax);
}

// ---- sync, O_TMPFILE ----

TEST_P(PosixFile, FsyncAndFdatasyncSucceed) {
  Fd fd = open_file("f", O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  ASSERT_EQ(::write(fd, "sync me", 7), 7);
  EXPECT_SYS(::fsync(fd));
  EXPECT_SYS(::fdatasync(fd));
  Fd dir(::open(root().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir.ok());
  EXPECT_SYS(::fsync(dir));
  EXPECT_EQ(read_file(path("f")).value_or("?"), "sync me");
}

// libfuse's path API has no tmpfile operation, so O_TMPFILE is refused on it as
// it is on libfuse (the kernel turns the ENOSYS into EOPNOTSUPP); true of both
// tmpfile cases.
bool refused_as_on_libfuse(const TargetKind& target, const Fd& fd, int err) {
  if (!target.path_api) return false;
  EXPECT_FALSE(fd.ok());
  EXPECT_EQ(err, EOPNOTSUPP) << errno_name(err);
  return true;
}

TEST_P(PosixFile, TmpfileLinkedIntoNamespace) {
  Fd fd(::open(root().c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (refused_as_on_libfuse(GetParam(), fd, errno)) return;
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  ASSERT_EQ(::write(fd, "tmpdata", 7), 7);
  struct stat st {};
  ASSERT_SYS(::fstat(fd, &st));
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
  ASSERT_SYS(::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path("linked").c_str(), AT_SYMLINK_FOLLOW));
  EXPECT_EQ(read_file(path("linked")).value_or("?"), "tmpdata");
  ASSERT_SYS(::stat(path("linked").c_str(), &st));
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_P(PosixFile, TmpfileIsNotListed) {
  Fd fd(::open(root().c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (refused_as_on_libfuse(GetParam(), fd, errno)) return;
  ASSERT_TRUE(fd.ok()) << errno_name(errno);
  ASSERT_EQ(::write(fd, "x", 1), 1);
  auto names = list_dir(root());
  ASSERT_TRUE(names.has_value());
  EXPECT_TRUE(names->empty()) << names->size() << " entries, first " << names->front();
}

INSTANTIATE_TEST_SUITE_P(Targets, PosixFile, ::testing::ValuesIn(all_targets()), target_name);

}  // namespace
}  // namespace uringfuse::test
