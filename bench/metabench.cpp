// metabench: the metadata client of bench/run.sh. One thread, so the number is the
// round-trip cost of one request chain, not the daemon's parallelism.
//
//   metabench stat DIR NFILES SECONDS   fstatat() round-robin over NFILES files
//   metabench create DIR SECONDS        open(O_CREAT|O_EXCL) + close + unlink, in a loop
//
// Works in DIR/metabench.<mode>/ and removes what it made. Prints ops/s as one number
// on stdout; errors go to stderr with exit status 1.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "metabench: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

double parse_positive(const char* text, const char* what) {
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value > 0)) {
    std::fprintf(stderr, "metabench: %s must be a positive number, not '%s'\n", what, text);
    std::exit(2);
  }
  return value;
}

// The working directory, created empty and removed with its files on scope exit.
// Leftovers of an aborted earlier run are cleared first, so O_EXCL cannot trip on them.
class WorkDir {
 public:
  WorkDir(const std::string& parent, const char* mode) : path_(parent + "/metabench." + mode) {
    remove_all();
    if (::mkdir(path_.c_str(), 0755) != 0) die("mkdir " + path_);
    fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd_ < 0) die("open " + path_);
  }
  ~WorkDir() {
    ::close(fd_);
    remove_all();
  }
  int fd() const { return fd_; }

 private:
  void remove_all() {
    if (DIR* dir = ::opendir(path_.c_str())) {
      while (dirent* entry = ::readdir(dir))
        if (entry->d_name[0] != '.') ::unlink((path_ + "/" + entry->d_name).c_str());
      ::closedir(dir);
    }
    if (::rmdir(path_.c_str()) != 0 && errno != ENOENT)
      std::fprintf(stderr, "metabench: rmdir %s: %s\n", path_.c_str(), std::strerror(errno));
  }
  std::string path_;
  int fd_ = -1;
};

// Runs `op` until `seconds` passed; the clock is read every 64 ops so its cost stays
// out of the per-op figure. Returns ops per second.
template <class Op>
double ops_per_second(double seconds, Op op) {
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  long ops = 0;
  for (auto now = start; now < deadline; now = Clock::now())
    for (int i = 0; i < 64; ++i, ++ops) op(ops);
  return ops / std::chrono::duration<double>(Clock::now() - start).count();
}

double bench_stat(const std::string& dir, long nfiles, double seconds) {
  WorkDir work(dir, "stat");
  std::vector<std::string> names;
  for (long i = 0; i < nfiles; ++i) {
    std::string name = "f";
    name += std::to_string(i);
    int fd = ::openat(work.fd(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) die("create " + name);
    ::close(fd);
    names.push_back(name);
  }
  return ops_per_second(seconds, [&](long op) {
    struct stat st;
    const std::string& name = names[op % nfiles];
    if (::fstatat(work.fd(), name.c_str(), &st, 0) != 0) die("fstatat " + name);
  });
}

double bench_create(const std::string& dir, double seconds) {
  WorkDir work(dir, "create");
  const char* name = "victim";
  return ops_per_second(seconds, [&](long) {
    int fd = ::openat(work.fd(), name, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) die("create");
    ::close(fd);
    if (::unlinkat(work.fd(), name, 0) != 0) die("unlink");
  });
}

}  // namespace

int main(int argc, char* argv[]) {
  std::string mode = argc > 1 ? argv[1] : "";
  double rate = 0;
  if (mode == "stat" && argc == 5) {
    rate = bench_stat(argv[2], static_cast<long>(parse_positive(argv[3], "NFILES")),
                      parse_positive(argv[4], "SECONDS"));
  } else if (mode == "create" && argc == 4) {
    rate = bench_create(argv[2], parse_positive(argv[3], "SECONDS"));
  } else {
    std::fprintf(stderr,
                 "usage: metabench stat DIR NFILES SECONDS\n"
                 "       metabench create DIR SECONDS\n");
    return 2;
  }
  std::printf("%.0f\n", rate);
  return 0;
}
