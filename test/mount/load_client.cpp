// One process of the load test (load_mount_test.cpp): mixed metadata and data work in
// its own directory under a mount for a bounded time, checking every read against an
// in-memory model as it goes. At the end it checks every file once more and prints the
// model, one "name generation size" line per file, so the test can check the bytes
// that reached the source too.
//
// A file's bytes are a pure function of (generation, offset) (load_content.hpp), so
// the model is just a generation and a size per name.
//
//   load_client DIR SEED MILLISECONDS [FEATURES]
// FEATURES, comma-separated, for the torture suite (torture_mount_test.cpp):
//   more      also xattrs, POSIX and BSD locks, O_DIRECT reads, stat storms, listings
//   signals   catch SIGUSR1 with SA_RESTART (the test sends thousands a second)
//   disconnect  the daemon goes away mid-run: once a call fails with ENOTCONN or
//             ECONNABORTED, stop and exit 0 printing "disconnected"
//   gone      the mount is detached mid-run: ENOENT for a path counts as that too
//   slow      DIR is a file whose read waits until the reader is interrupted (the
//             notify example's /slow): read it in a loop; EINTR is the answer wanted
//   hidden    listings may also show .fuse_hidden* names: libfuse's path API keeps a
//             file the client unlinks while the library still has it open (RELEASE
//             comes asynchronously, after close() returned) under such a name
// Exit status 0, or 1 with the first mismatch or unexpected error on stderr.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "load_content.hpp"

namespace {

using uringfuse::test::load_content;

struct FileModel {
  std::uint64_t generation = 0;
  std::size_t size = 0;
};

bool g_tolerate_disconnect = false;
bool g_tolerate_gone = false;
bool g_allow_hidden = false;
volatile sig_atomic_t g_signals = 0;

void count_signal(int) { g_signals = g_signals + 1; }

[[noreturn]] void fail(const std::string& what) {
  const int err = errno;
  if ((g_tolerate_disconnect && (err == ENOTCONN || err == ECONNABORTED)) ||
      (g_tolerate_gone && (err == ENOTCONN || err == ECONNABORTED || err == ENOENT))) {
    std::printf("disconnected after %ld signals\n", static_cast<long>(g_signals));
    std::exit(0);
  }
  std::fprintf(stderr, "load_client: %s (errno %d: %s)\n", what.c_str(), err, std::strerror(err));
  std::exit(1);
}

class Client {
 public:
  Client(std::string dir, std::uint64_t seed, bool more)
      : dir_(std::move(dir)), rng_(seed), seed_(seed), more_(more) {}

  void step() {
    if (more_ && pick(2) == 0) return step_more();
    switch (pick(8)) {
      case 0:
      case 1: write_new(); break;
      case 2: append(); break;
      case 3: truncate(); break;
      case 4: rename(); break;
      case 5: unlink(); break;
      case 6: directory_churn(); break;
      case 7: verify(random_file()); break;
    }
  }

  // The other classes of operation: each checks its answer against the model.
  void step_more() {
    switch (pick(5)) {
      case 0: xattrs(random_file()); break;
      case 1: locks(random_file()); break;
      case 2: direct_read(random_file()); break;
      case 3: stat_storm(); break;
      case 4: check_listing(); break;
    }
  }

  void final_check_and_print() {
    check_listing();
    for (const auto& [name, model] : files_) {
      verify(name);
      std::printf("%s %llu %zu\n", name.c_str(), static_cast<unsigned long long>(model.generation),
                  model.size);
    }
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string new_name() { return "f" + std::to_string(pick(12)); }
  std::string random_file() {
    if (files_.empty()) return {};
    auto it = files_.begin();
    std::advance(it, static_cast<long>(pick(files_.size())));
    return it->first;
  }

  // A whole new file: chunks written in shuffled order with pwrite.
  void write_new() {
    const std::string name = new_name();
    FileModel m{seed_ << 32 | ++generations_, pick(256 * 1024)};
    int fd = ::open(path(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("create " + name);
    const std::size_t chunk = 4096 * (1 + pick(16));
    std::vector<std::size_t> offsets;
    for (std::size_t off = 0; off < m.size; off += chunk) offsets.push_back(off);
    std::shuffle(offsets.begin(), offsets.end(), rng_);
    for (std::size_t off : offsets) put(fd, m, off, std::min(chunk, m.size - off), name);
    if (pick(4) == 0 && ::fsync(fd) != 0) fail("fsync " + name);
    if (::close(fd) != 0) fail("close " + name);
    files_[name] = m;
    verify(name);
  }

  void append() {
    const std::string name = random_file();
    if (name.empty()) return;
    FileModel& m = files_[name];
    int fd = ::open(path(name).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) fail("open for append " + name);
    const std::size_t n = 1 + pick(64 * 1024);
    const std::string bytes = load_content(m.generation, m.size, n);
    // A short write is allowed (the rest is written again): one cut short by a
    // connection that is being aborted then fails with ENOTCONN/ECONNABORTED on the
    // retry, which the disconnect modes accept. (errno is set before each call: a
    // short count leaves it as it was.)
    for (std::size_t done = 0; done < n;) {
      errno = 0;
      const ssize_t r = ::write(fd, bytes.data() + done, n - done);
      if (r <= 0) fail("append " + name);
      done += static_cast<std::size_t>(r);
    }
    ::close(fd);
    m.size += n;
  }

  void truncate() {
    const std::string name = random_file();
    if (name.empty()) return;
    FileModel& m = files_[name];
    const std::size_t to = m.size ? pick(m.size) : 0;
    if (::truncate(path(name).c_str(), static_cast<off_t>(to)) != 0) fail("truncate " + name);
    m.size = to;
  }

  // Sometimes onto an existing name, which it then replaces.
  void rename() {
    const std::string from = random_file();
    if (from.empty()) return;
    const std::string to = new_name();
    if (::rename(path(from).c_str(), path(to).c_str()) != 0) fail("rename " + from + " " + to);
    if (from == to) return;
    files_[to] = files_[from];
    files_.erase(from);
  }

  void unlink() {
    const std::string name = random_file();
    if (name.empty()) return;
    if (::unlink(path(name).c_str()) != 0) fail("unlink " + name);
    files_.erase(name);
  }

  void directory_churn() {
    const std::string d = path("d");
    if (::mkdir(d.c_str(), 0755) != 0) fail("mkdir");
    struct stat st {};
    if (::stat(d.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail("stat of the new directory");
    if (::rmdir(d.c_str()) != 0) fail("rmdir");
    if (::stat(d.c_str(), &st) == 0 || errno != ENOENT) fail("the removed directory is still there");
  }

  void xattrs(const std::string& name) {
    if (name.empty()) return;
    const std::string p = path(name);
    const std::string value = load_content(files_[name].generation, 0, 1 + pick(200));
    if (::setxattr(p.c_str(), "user.torture", value.data(), value.size(), 0) != 0) fail("setxattr " + name);
    std::string got(256, '\0');
    ssize_t n = ::getxattr(p.c_str(), "user.torture", got.data(), got.size());
    if (n < 0) fail("getxattr " + name);
    if (got.substr(0, static_cast<std::size_t>(n)) != value) fail(name + ": xattr differs from what was set");
    char list[256];
    n = ::listxattr(p.c_str(), list, sizeof list);
    if (n < 0) fail("listxattr " + name);
    if (std::string(list, static_cast<std::size_t>(n)).find("user.torture") == std::string::npos)
      fail(name + ": listxattr lacks user.torture");
    if (::removexattr(p.c_str(), "user.torture") != 0) fail("removexattr " + name);
    if (::getxattr(p.c_str(), "user.torture", got.data(), got.size()) >= 0 || errno != ENODATA)
      fail(name + ": removed xattr still there");
  }

  // A POSIX write lock, tested from this process (which sees none in its way), then a
  // BSD lock; the blocking forms may return EINTR while a signal arrives.
  void locks(const std::string& name) {
    if (name.empty()) return;
    int fd = ::open(path(name).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) fail("open for locking " + name);
    struct flock lk {};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    lk.l_len = 100;
    while (::fcntl(fd, F_SETLKW, &lk) != 0)
      if (errno != EINTR) fail("F_SETLKW " + name);
    struct flock probe = lk;
    if (::fcntl(fd, F_GETLK, &probe) != 0) fail("F_GETLK " + name);
    if (probe.l_type != F_UNLCK) fail(name + ": our own lock is in our way");
    lk.l_type = F_UNLCK;
    if (::fcntl(fd, F_SETLK, &lk) != 0) fail("unlock " + name);
    while (::flock(fd, LOCK_EX) != 0)
      if (errno != EINTR) fail("flock " + name);
    if (::flock(fd, LOCK_UN) != 0) fail("flock unlock " + name);
    ::close(fd);
  }

  // One aligned 4 KiB block through O_DIRECT: the read reaches the daemon every time.
  void direct_read(const std::string& name) {
    if (name.empty()) return;
    const FileModel& m = files_.at(name);
    int fd = ::open(path(name).c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) fail("open O_DIRECT " + name);
    alignas(4096) static char block[4096];
    const std::size_t blocks = m.size / 4096 + 1;
    const std::size_t off = 4096 * pick(blocks);
    ssize_t n = ::pread(fd, block, sizeof block, static_cast<off_t>(off));
    if (n < 0) fail("O_DIRECT pread " + name);
    const std::size_t want = off >= m.size ? 0 : std::min<std::size_t>(4096, m.size - off);
    if (static_cast<std::size_t>(n) != want) fail(name + ": O_DIRECT read size differs");
    if (std::string(block, want) != load_content(m.generation, off, want)) fail(name + ": O_DIRECT read differs");
    ::close(fd);
  }

  void stat_storm() {
    for (const auto& [name, m] : files_) {
      struct stat st {};
      if (::stat(path(name).c_str(), &st) != 0) fail("stat " + name);
      if (static_cast<std::size_t>(st.st_size) != m.size) fail(name + ": stat size differs");
    }
    struct stat st {};
    if (::stat(path("never-made").c_str(), &st) == 0 || errno != ENOENT) fail("a name never made exists");
  }

  void put(int fd, const FileModel& m, std::size_t off, std::size_t n, const std::string& name) {
    const std::string bytes = load_content(m.generation, off, n);
    if (::pwrite(fd, bytes.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n))
      fail("pwrite " + name);
  }

  void verify(const std::string& name) {
    if (name.empty()) return;
    const FileModel& m = files_.at(name);
    int fd = ::open(path(name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open for reading " + name);
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail("fstat " + name);
    if (static_cast<std::size_t>(st.st_size) != m.size)
      fail(name + ": size " + std::to_string(st.st_size) + ", want " + std::to_string(m.size));
    std::string got(m.size + 1, '\0');
    std::size_t at = 0;
    for (ssize_t n; (n = ::read(fd, got.data() + at, got.size() - at)) > 0;) at += static_cast<std::size_t>(n);
    ::close(fd);
    got.resize(at);
    if (got != load_content(m.generation, 0, m.size)) fail(name + ": content differs from what was written");
  }

  void check_listing() {
    DIR* d = ::opendir(dir_.c_str());
    if (!d) fail("opendir");
    std::set<std::string> seen;
    while (dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..") &&
          !(g_allow_hidden && std::strncmp(e->d_name, ".fuse_hidden", 12) == 0))
        seen.insert(e->d_name);
    ::closedir(d);
    std::set<std::string> want;
    for (const auto& entry : files_) want.insert(entry.first);
    if (seen != want) {
      std::string diff;
      for (const auto& n : seen)
        if (!want.count(n)) diff += " +" + n;
      for (const auto& n : want)
        if (!seen.count(n)) diff += " -" + n;
      fail("the directory lists other names than were made:" + diff);
    }
  }

  std::string dir_;
  std::mt19937_64 rng_;
  std::uint64_t seed_;
  bool more_;
  std::uint64_t generations_ = 0;
  std::map<std::string, FileModel> files_;
};

// Each read waits in the daemon until a signal interrupts it; the kernel then sends
// INTERRUPT and the handler answers EINTR. Anything else is an error.
int read_until_interrupted(const char* file, std::chrono::steady_clock::time_point until) {
  long interrupted = 0;
  while (std::chrono::steady_clock::now() < until) {
    int fd = ::open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(std::string("open ") + file);
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno != EINTR) fail(std::string("read ") + file);
    if (n < 0) ++interrupted;
    ::close(fd);
  }
  std::printf("interrupted %ld\n", interrupted);
  return 0;  // the test judges the count (a read the kernel never interrupted ends released)
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: load_client DIR SEED MILLISECONDS [more,signals,disconnect]\n");
    return 2;
  }
  const std::string features = argc == 5 ? argv[4] : "";
  auto has = [&](const char* f) { return ("," + features + ",").find(std::string(",") + f + ",") != std::string::npos; };
  g_tolerate_disconnect = has("disconnect");
  if (has("signals")) {
    struct sigaction sa {};
    sa.sa_handler = count_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGUSR1, &sa, nullptr);
    // The test starts clients with SIGUSR1 blocked, so none dies of one sent early.
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ::sigprocmask(SIG_UNBLOCK, &usr1, nullptr);
  }
  g_tolerate_gone = has("gone");
  g_allow_hidden = has("hidden");
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::atoi(argv[3]));
  if (has("slow")) return read_until_interrupted(argv[1], until);
  Client client(argv[1], std::strtoull(argv[2], nullptr, 10), has("more"));
  while (std::chrono::steady_clock::now() < until) client.step();
  client.final_check_and_print();
  if (has("signals")) std::fprintf(stderr, "signals caught: %ld\n", static_cast<long>(g_signals));
  return 0;
}
