// nullbench: the client of bench/run-nullfs.sh. Against a nullfs mount it times single
// requests, one thread, one at a time, so each figure is a round trip through the
// transport and nothing else:
//
//   null_stat     fstat() of an open file: exactly one GETATTR
//   null_lookup   stat() of a path (f0..f999 in turn): one LOOKUP and one GETATTR
//   null_read_4k  4 KiB O_DIRECT pread() of "data" at random aligned offsets: one READ
//
// Usage: nullbench MOUNTPOINT SECONDS      (SECONDS per test)
// Prints "metric value unit" lines: ops/s, and the p50, p99 and worst latency in us (a
// stall shows in the worst one, and in ops/s, which counts the stall's time too).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "nullbench: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

std::int64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

// Runs `op` for `seconds` after a short untimed warm-up (first requests fault in the
// daemon's buffers and wake its threads), then prints the rate and latency percentiles.
template <class Op>
void measure(const char* metric, double seconds, Op op) {
  auto warm_until = now_ns() + static_cast<std::int64_t>(std::min(seconds / 10, 0.5) * 1e9);
  for (long i = 0; now_ns() < warm_until; ++i) op(i);

  std::vector<std::uint32_t> latencies;  // ns; a 4 s op would overflow, none takes that
  latencies.reserve(1 << 20);
  std::int64_t start = now_ns();
  std::int64_t end = start + static_cast<std::int64_t>(seconds * 1e9);
  std::int64_t before = start;
  for (long i = 0; before < end; ++i) {
    op(i);
    std::int64_t after = now_ns();
    latencies.push_back(static_cast<std::uint32_t>(after - before));
    before = after;
  }
  auto percentile_us = [&](double p) {
    auto nth = latencies.begin() + static_cast<std::ptrdiff_t>(p * (latencies.size() - 1));
    std::nth_element(latencies.begin(), nth, latencies.end());
    return *nth / 1000.0;
  };
  std::printf("%s %.0f ops/s\n", metric, latencies.size() / ((before - start) / 1e9));
  std::printf("%s_p50 %.2f us\n", metric, percentile_us(0.50));
  std::printf("%s_p99 %.2f us\n", metric, percentile_us(0.99));
  std::printf("%s_max %.2f us\n", metric, percentile_us(1.0));
  std::fflush(stdout);
}

int open_or_die(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) die("open " + path);
  return fd;
}

}  // namespace

int main(int argc, char* argv[]) {
  char* end = nullptr;
  double seconds = argc == 3 ? std::strtod(argv[2], &end) : 0;
  if (argc != 3 || *end != '\0' || !(seconds > 0)) {
    std::fprintf(stderr, "usage: nullbench MOUNTPOINT SECONDS\n");
    return 2;
  }
  const std::string mnt = argv[1];

  int file = open_or_die(mnt + "/f0", O_RDONLY);
  measure("null_stat", seconds, [&](long) {
    struct stat st;
    if (::fstat(file, &st) != 0) die("fstat f0");
  });
  ::close(file);

  // The paths are built up front so string work stays out of the timed loop.
  std::vector<std::string> paths;
  for (int k = 0; k < 1000; ++k) paths.push_back(mnt + "/f" + std::to_string(k));
  measure("null_lookup", seconds, [&](long i) {
    struct stat st;
    if (::stat(paths[i % paths.size()].c_str(), &st) != 0) die("stat " + paths[i % paths.size()]);
  });

  int data = open_or_die(mnt + "/data", O_RDONLY | O_DIRECT);
  struct stat st;
  if (::fstat(data, &st) != 0 || st.st_size < 4096) die("data is missing or too small");
  const std::uint64_t blocks = st.st_size / 4096;
  void* buffer = std::aligned_alloc(4096, 4096);  // O_DIRECT wants aligned memory
  std::uint64_t rng = 0x9e3779b97f4a7c15;         // xorshift64: cheap next offset
  measure("null_read_4k", seconds, [&](long) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    if (::pread(data, buffer, 4096, static_cast<off_t>(rng % blocks * 4096)) != 4096)
      die("pread data");
  });
  std::free(buffer);
  ::close(data);
  return 0;
}
