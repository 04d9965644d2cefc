// Data-integrity stress, run against a plain directory (the reference) and the
// passthrough example over every transport: 4 threads hammer 4 files for ~3 s with
// random pwrite, ftruncate, pread and mmap reads, every result checked against an
// in-memory model of each file. Operations on one file are serialised by that file's
// mutex; different files proceed in parallel. At the end every file is re-opened and
// compared with its model in full. Seeds are fixed.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/fs_target.hpp"

namespace uringfuse::test {
namespace {

constexpr int kFiles = 4;
constexpr int kThreads = 4;
constexpr std::size_t kMaxOffset = 4u << 20;     // writes start below 4 MiB
constexpr std::size_t kMaxWrite = 256u << 10;    // and are at most 256 KiB long
constexpr auto kDuration = std::chrono::seconds(3);

struct ModelFile {
  std::mutex mutex;
  std::vector<unsigned char> data;  // the expected contents; size is the file size
  std::string path;
};

class Stress : public FsTargetTest<> {
 protected:
  ModelFile files_[kFiles];
  std::atomic<bool> stop_{false};
  std::mutex failure_mutex_;
  std::string failure_;  // the first mismatch, if any
  std::atomic<long> ops_[5] = {};  // pwrite, truncate, pread, mmap, fstat

  void fail(const std::string& what) {
    std::lock_guard lock(failure_mutex_);
    if (failure_.empty()) failure_ = what;
    stop_ = true;
  }

  // First offset where `got` (read at `off`) differs from the model, or -1.
  static long first_mismatch(const std::vector<unsigned char>& model, std::size_t off, const unsigned char* got,
                             std::size_t len) {
    for (std::size_t i = 0; i < len; ++i) {
      unsigned char want = off + i < model.size() ? model[off + i] : 0;
      if (got[i] != want) return static_cast<long>(off + i);
    }
    return -1;
  }

  static std::string where(int file, long offset, const char* op) {
    std::ostringstream s;
    s << "file " << file << " offset " << offset << " (" << op << ")";
    return s.str();
  }

  void worker(int index) {
    std::mt19937_64 rng(0x5eed0000u + static_cast<unsigned>(index));
    int fds[kFiles];
    for (int f = 0; f < kFiles; ++f) {
      fds[f] = ::open(files_[f].path.c_str(), O_RDWR | O_CLOEXEC);
      if (fds[f] < 0) {
        fail("thread " + std::to_string(index) + ": open file " + std::to_string(f) + ": " + errno_name(errno));
        for (int g = 0; g < f; ++g) ::close(fds[g]);
        return;
      }
    }
    std::vector<unsigned char> buf(kMaxWrite);
    auto deadline = std::chrono::steady_clock::now() + kDuration;
    while (!stop_ && std::chrono::steady_clock::now() < deadline) {
      int f = static_cast<int>(rng() % kFiles);
      ModelFile& m = files_[f];
      int fd = fds[f];
      std::lock_guard lock(m.mutex);
      unsigned op = static_cast<unsigned>(rng() % 100);
      if (op < 40) {  // pwrite
        std::size_t off = rng() % kMaxOffset;
        std::size_t len = 1 + rng() % kMaxWrite;
        for (std::size_t i = 0; i < len; i += 8) {
          std::uint64_t v = rng();
          std::memcpy(buf.data() + i, &v, std::min<std::size_t>(8, len - i));
        }
        std::size_t done = 0;
        while (done < len) {
          ssize_t n = ::pwrite(fd, buf.data() + done, len - done, static_cast<off_t>(off + done));
          if (n <= 0) {
            fail(where(f, static_cast<long>(off + done), "pwrite") + ": " + errno_name(n < 0 ? errno : EIO));
            break;
          }
          done += static_cast<std::size_t>(n);
        }
        if (m.data.size() < off + done) m.data.resize(off + done, 0);
        std::memcpy(m.data.data() + off, buf.data(), done);
        ops_[0]++;
      } else if (op < 50) {  // ftruncate up or down
        std::size_t size = rng() % (kMaxOffset + kMaxWrite);
        if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
          fail(where(f, static_cast<long>(size), "ftruncate") + ": " + errno_name(errno));
          break;
        }
        m.data.resize(size, 0);
        ops_[1]++;
      } else if (op < 80) {  // pread
        std::size_t off = rng() % (m.data.size() + 4096);
        std::size_t len = 1 + rng() % kMaxWrite;
        std::size_t done = 0;
        while (done < len) {
          ssize_t n = ::pread(fd, buf.data() + done, len - done, static_cast<off_t>(off + done));
          if (n < 0) {
            fail(where(f, static_cast<long>(off + done), "pread") + ": " + errno_name(errno));
            break;
          }
          if (n == 0) break;
          done += static_cast<std::size_t>(n);
        }
        std::size_t expect = off >= m.data.size() ? 0 : std::min(len, m.data.size() - off);
        if (done != expect) {
          fail(where(f, static_cast<long>(off + done), "pread") + ": read " + std::to_string(done) +
               " bytes, model says " + std::to_string(expect));
          break;
        }
        if (long bad = first_mismatch(m.data, off, buf.data(), done); bad >= 0) {
          fail(where(f, bad, "pread"));
          break;
        }
        ops_[2]++;
      } else if (op < 95) {  // mmap read (never past EOF: that would be SIGBUS)
        struct stat st {};
        if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) != m.data.size()) {
          fail(where(f, static_cast<long>(st.st_size), "fstat before mmap") + ": size " +
               std::to_string(st.st_size) + ", model says " + std::to_string(m.data.size()));
          break;
        }
        if (m.data.empty()) continue;
        std::size_t size = m.data.size();
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
          fail(where(f, 0, "mmap") + ": " + errno_name(errno));
          break;
        }
        std::size_t off = rng() % size;
        std::size_t len = std::min<std::size_t>(1 + rng() % kMaxWrite, size - off);
        long bad = first_mismatch(m.data, off, static_cast<const unsigned char*>(p) + off, len);
        ::munmap(p, size);
        if (bad >= 0) {
          fail(where(f, bad, "mmap read"));
          break;
        }
        ops_[3]++;
      } else {  // fstat size
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
          fail(where(f, 0, "fstat") + ": " + errno_name(errno));
          break;
        }
        if (static_cast<std::size_t>(st.st_size) != m.data.size()) {
          fail(where(f, static_cast<long>(st.st_size), "fstat") + ": size differs from model " +
               std::to_string(m.data.size()));
          break;
        }
        ops_[4]++;
      }
    }
    for (int f = 0; f < kFiles; ++f) ::close(fds[f]);
  }
};

TEST_P(Stress, RandomIoMatchesModel) {
  for (int f = 0; f < kFiles; ++f) {
    files_[f].path = path("stress" + std::to_string(f));
    ASSERT_TRUE(write_file(files_[f].path, "")) << errno_name(errno);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([this, t] { worker(t); });
  for (auto& t : threads) t.join();
  ASSERT_TRUE(failure_.empty()) << "first mismatch: " << failure_;
  std::cout << "[ stress   ] pwrite " << ops_[0] << ", ftruncate " << ops_[1] << ", pread " << ops_[2]
            << ", mmap " << ops_[3] << ", fstat " << ops_[4] << "\n";
  EXPECT_GT(ops_[0] + ops_[1] + ops_[2] + ops_[3], 100) << "too few operations to mean anything";

  // Re-open every file and compare it in full.
  for (int f = 0; f < kFiles; ++f) {
    auto content = read_file(files_[f].path);
    ASSERT_TRUE(content.has_value()) << "file " << f << ": " << errno_name(errno);
    const auto& model = files_[f].data;
    long bad = first_mismatch(model, 0, reinterpret_cast<const unsigned char*>(content->data()),
                              std::min(content->size(), model.size()));
    EXPECT_EQ(bad, -1) << "final check: first mismatch in file " << f << " at offset " << bad;
    EXPECT_EQ(content->size(), model.size()) << "final check: file " << f << " size differs";
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, Stress, ::testing::ValuesIn(all_targets()), target_name);

}  // namespace
}  // namespace uringfuse::test
