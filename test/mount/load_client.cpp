// One process of the load test (load_mount_test.cpp): mixed metadata and data work in
// its own directory under a mount for a bounded time, checking every read against an
// in-memory model as it goes. At the end it checks every file once more and prints the
// model, one "name generation size" line per file, so the test can check the bytes
// that reached the source too.
//
// A file's bytes are a pure function of (generation, offset) (load_content.hpp), so
// the model is just a generation and a size per name.
//
//   load_client DIR SEED MILLISECONDS
// Exit status 0, or 1 with the first mismatch or unexpected error on stderr.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
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

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "load_client: %s (errno %d: %s)\n", what.c_str(), errno, std::strerror(errno));
  std::exit(1);
}

class Client {
 public:
  Client(std::string dir, std::uint64_t seed) : dir_(std::move(dir)), rng_(seed), seed_(seed) {}

  void step() {
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
    if (::write(fd, bytes.data(), n) != static_cast<ssize_t>(n)) fail("append " + name);
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
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) seen.insert(e->d_name);
    ::closedir(d);
    std::set<std::string> want;
    for (const auto& entry : files_) want.insert(entry.first);
    if (seen != want) fail("the directory lists other names than were made");
  }

  std::string dir_;
  std::mt19937_64 rng_;
  std::uint64_t seed_;
  std::uint64_t generations_ = 0;
  std::map<std::string, FileModel> files_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: load_client DIR SEED MILLISECONDS\n");
    return 2;
  }
  Client client(argv[1], std::strtoull(argv[2], nullptr, 10));
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::atoi(argv[3]));
  while (std::chrono::steady_clock::now() < until) client.step();
  client.final_check_and_print();
  return 0;
}
