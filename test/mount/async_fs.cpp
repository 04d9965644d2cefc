// A test daemon whose handlers are coroutines doing their backend I/O through
// Request::io() (async_handler_test.cpp):
//
//   /data     1 MiB in a memfd: open/release through openat/close, getattr through
//             statx, read/write through read/write (+ fsync) on the ring.
//   /gatherN  a READ waits (in 1 ms timeouts) until N READs of the file are in
//             flight at once; answers EIO after 20 s in vain.
//   /sleep    a READ awaits a 30 s timeout: interrupted, it answers EINTR.
//   /echo     a READ sends its offset through a socketpair and receives it back.
//   /throw    a READ throws after its first co_await (the client gets EIO).
//   /stall    a READ blocks its thread for 2 ms (as a blocking call would), then
//             awaits a 1 ms timeout and answers "x".
//   /stats    "allocs=N": heap allocations the daemon made so far.
//
// Files are direct_io: every read reaches the daemon.
#include <uringfuse/uringfuse.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "async_pattern.hpp"

namespace uf = uringfuse;

// Every allocation the daemon makes, so a test can ask how many a request costs.
namespace {
std::atomic<unsigned long long> g_allocs{0};
}
void* operator new(std::size_t size) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace std::chrono_literals;

constexpr uf::Ino kData = 2, kSleep = 3, kEcho = 4, kThrow = 5, kStats = 6, kStall = 7, kGatherBase = 100;
constexpr auto kGiveUp = 20s;

struct stat stat_of(uf::Ino ino, off_t size) {
  struct stat st {};
  st.st_ino = ino;
  st.st_mode = ino == uf::kRootIno ? S_IFDIR | 0755 : S_IFREG | 0644;
  st.st_nlink = ino == uf::kRootIno ? 2 : 1;
  st.st_size = size;
  return st;
}

class AsyncFs final : public uf::Filesystem {
 public:
  AsyncFs() {
    backing_ = ::memfd_create("async_fs", MFD_CLOEXEC);
    if (backing_ < 0 || ::ftruncate(backing_, uringfuse::test::kPatternSize) < 0)
      throw std::runtime_error("memfd");
    std::string block(uringfuse::test::kPatternSize, '\0');
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(uringfuse::test::pattern_byte(i));
    if (::pwrite(backing_, block.data(), block.size(), 0) != static_cast<ssize_t>(block.size()))
      throw std::runtime_error("filling the memfd");
    backing_path_ = "/proc/self/fd/" + std::to_string(backing_);
  }

  void lookup(const uf::Request&, uf::Ino parent, std::string_view name, uf::ReplyEntry reply) override {
    uf::Ino ino = 0;
    if (parent == uf::kRootIno) {
      if (name == "data") ino = kData;
      if (name == "sleep") ino = kSleep;
      if (name == "echo") ino = kEcho;
      if (name == "throw") ino = kThrow;
      if (name == "stats") ino = kStats;
      if (name == "stall") ino = kStall;
      if (name.starts_with("gather") && name.size() > 6) {
        unsigned n = static_cast<unsigned>(std::stoul(std::string(name.substr(6))));
        if (n > 0 && n < 1000) ino = kGatherBase + n;
      }
    }
    if (ino == 0) return std::move(reply).error(ENOENT);
    uf::EntryParam e;
    e.ino = ino;
    e.attr = stat_of(ino, ino == kData ? uringfuse::test::kPatternSize : 64);
    std::move(reply).entry(e);
  }

  void getattr(const uf::Request& req, uf::Ino ino, const uf::GetattrIn&, uf::ReplyAttr reply) override {
    if (ino != kData) return std::move(reply).attr(stat_of(ino, ino == uf::kRootIno ? 0 : 64), 0s);
    getattr_data(req.io(), std::move(reply));
  }

  void open(const uf::Request& req, uf::Ino ino, const uf::OpenIn& in, uf::ReplyOpen reply) override {
    if (ino == uf::kRootIno) return std::move(reply).error(EISDIR);
    if (ino != kData) {
      uf::OpenResult r;
      r.direct_io = true;
      return std::move(reply).open(r);
    }
    open_data(req.io(), in.flags & O_ACCMODE, std::move(reply));
  }

  void release(const uf::Request& req, uf::Ino ino, const uf::ReleaseIn& in, uf::ReplyEmpty reply) override {
    if (ino != kData) return std::move(reply).ok();
    close_data(req.io(), static_cast<int>(in.fh), std::move(reply));
  }

  void read(const uf::Request& req, uf::Ino ino, const uf::ReadIn& in, uf::ReplyData reply) override {
    switch (ino) {
      case kData:
        read_data(req.io(), static_cast<int>(in.fh), in.offset, in.size, std::move(reply));
        return;
      case kSleep:
        sleep_long(req.io(), std::move(reply));
        return;
      case kEcho:
        echo(req.io(), in.offset, std::move(reply));
        return;
      case kThrow:
        throw_later(req.io(), std::move(reply));
        return;
      case kStats:
        return std::move(reply).bytes("allocs=" + std::to_string(g_allocs.load()) + "\n");
      case kStall:
        stall(req.io(), std::move(reply));
        return;
      default:
        if (ino <= kGatherBase) return std::move(reply).error(EIO);
        gather(req.io(), static_cast<unsigned>(ino - kGatherBase), std::move(reply));
    }
  }

  void write(const uf::Request& req, uf::Ino ino, const uf::WriteIn& in, std::span<const std::byte> data,
             uf::ReplyWrite reply) override {
    if (ino != kData) return std::move(reply).error(EACCES);
    write_data(req.io(), static_cast<int>(in.fh), in.offset, data, std::move(reply));
  }

 private:
  uf::Task getattr_data(uf::Io io, uf::ReplyAttr reply) {
    struct statx stx {};
    int r = co_await io.statx(backing_, "", AT_EMPTY_PATH, STATX_SIZE, &stx);
    if (r < 0) co_return std::move(reply).error(-r);
    std::move(reply).attr(stat_of(kData, static_cast<off_t>(stx.stx_size)), 0s);
  }

  uf::Task open_data(uf::Io io, int access, uf::ReplyOpen reply) {
    int fd = co_await io.openat(AT_FDCWD, backing_path_.c_str(), access | O_CLOEXEC);
    if (fd < 0) co_return std::move(reply).error(-fd);
    uf::OpenResult r;
    r.fh = static_cast<std::uint64_t>(fd);
    r.direct_io = true;
    std::move(reply).open(r);
  }

  uf::Task close_data(uf::Io io, int fd, uf::ReplyEmpty reply) {
    int r = co_await io.close(fd);
    if (r < 0) co_return std::move(reply).error(-r);
    std::move(reply).ok();
  }

  // Straight into the reply's buffer: over io_uring the ring entry's payload.
  uf::Task read_data(uf::Io io, int fd, std::uint64_t offset, std::uint32_t size, uf::ReplyData reply) {
    auto buffer = reply.buffer().first(std::min<std::size_t>(size, reply.max_size()));
    int n = co_await io.read(fd, buffer, offset);
    if (n < 0) co_return std::move(reply).error(-n);
    std::move(reply).commit(static_cast<std::size_t>(n));
  }

  uf::Task write_data(uf::Io io, int fd, std::uint64_t offset, std::span<const std::byte> data,
                      uf::ReplyWrite reply) {
    // `data` stays valid until the reply: it is the request's own buffer.
    int n = co_await io.write(fd, data, offset);
    if (n < 0) co_return std::move(reply).error(-n);
    if (int r = co_await io.fsync(fd, true); r < 0) co_return std::move(reply).error(-r);
    std::move(reply).written(static_cast<std::uint64_t>(n));
  }

  uf::Task stall(uf::Io io, uf::ReplyData reply) {
    std::this_thread::sleep_for(2ms);
    if (int r = co_await io.timeout(1ms); r < 0) co_return std::move(reply).error(EINTR);
    std::move(reply).bytes("x");
  }

  uf::Task gather(uf::Io io, unsigned n, uf::ReplyData reply) {
    const unsigned round = round_.load();
    if (inside_.fetch_add(1) + 1 >= n) {
      inside_.store(0);
      round_.fetch_add(1);
    }
    const auto give_up = std::chrono::steady_clock::now() + kGiveUp;
    while (round_.load() == round) {
      if (std::chrono::steady_clock::now() > give_up) {
        inside_.fetch_sub(1);
        co_return std::move(reply).error(EIO);
      }
      if (int r = co_await io.timeout(1ms); r < 0) co_return std::move(reply).error(EINTR);
    }
    std::move(reply).bytes("x");
  }

  uf::Task sleep_long(uf::Io io, uf::ReplyData reply) {
    int r = co_await io.timeout(30s);
    if (r == -ECANCELED) co_return std::move(reply).error(EINTR);
    if (r < 0) co_return std::move(reply).error(-r);
    std::move(reply).bytes("z");
  }

  uf::Task echo(uf::Io io, std::uint64_t offset, uf::ReplyData reply) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) co_return std::move(reply).error(errno);
    const std::string sent = std::to_string(offset);
    char got[32] = {};
    int s = co_await io.send(pair[0], std::as_bytes(std::span(sent.data(), sent.size())));
    int r = s < 0 ? s : co_await io.recv(pair[1], std::as_writable_bytes(std::span(got, sizeof got)));
    co_await io.close(pair[0]);
    co_await io.close(pair[1]);
    if (r < 0) co_return std::move(reply).error(-r);
    if (std::string_view(got, static_cast<std::size_t>(r)) != sent) co_return std::move(reply).error(EBADMSG);
    std::move(reply).bytes(std::string_view(got, static_cast<std::size_t>(r)));
  }

  uf::Task throw_later(uf::Io io, uf::ReplyData reply) {
    co_await io.timeout(1ms);
    (void)reply;  // destroyed unanswered as the exception leaves: EIO
    throw std::runtime_error("thrown on purpose after a co_await");
  }

  int backing_ = -1;
  std::string backing_path_;
  std::atomic<unsigned> inside_{0}, round_{0};
};

}  // namespace

int main(int argc, char* argv[]) {
  AsyncFs fs;
  return uf::run_main(argc, argv, fs);
}
