// A test daemon whose read handlers block, synchronously, until other requests have
// reached the filesystem: they can only succeed if the transport serves those other
// requests while the first handlers sleep (blocking_handler_test.cpp).
//
//   /gatherN  a READ waits until N READs of the file are inside handlers at once.
//   /wait     a READ waits until a READ of /release has been handled.
//   /release  a READ returns at once and lets every waiting /wait read go.
//   /cpus     a READ returns at once: how many CPUs the thread serving it may run
//             on, in decimal (where the transport put its quick handlers).
// A handler that waits 20 s in vain answers EIO, so a transport that serializes
// handlers fails the test instead of hanging it. Files are direct_io: every read
// reaches the daemon.
#include <uringfuse/uringfuse.hpp>

#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace uf = uringfuse;

namespace {

using namespace std::chrono_literals;

constexpr uf::Ino kWait = 2, kRelease = 3, kCpus = 4, kGatherBase = 100;  // /gatherN is kGatherBase + N
constexpr auto kGiveUp = 20s;

class RendezvousFs final : public uf::Filesystem {
 public:
  void lookup(const uf::Request&, uf::Ino parent, std::string_view name, uf::ReplyEntry reply) override {
    uf::Ino ino = 0;
    if (parent == uf::kRootIno && name == "wait") ino = kWait;
    if (parent == uf::kRootIno && name == "release") ino = kRelease;
    if (parent == uf::kRootIno && name == "cpus") ino = kCpus;
    if (parent == uf::kRootIno && name.starts_with("gather") && name.size() > 6) {
      unsigned n = static_cast<unsigned>(std::stoul(std::string(name.substr(6))));
      if (n > 0 && n < 1000) ino = kGatherBase + n;
    }
    if (ino == 0) return std::move(reply).error(ENOENT);
    uf::EntryParam e;
    e.ino = ino;
    e.attr = stat_of(ino);
    std::move(reply).entry(e);
  }
  void getattr(const uf::Request&, uf::Ino ino, const uf::GetattrIn&, uf::ReplyAttr reply) override {
    std::move(reply).attr(stat_of(ino), std::chrono::seconds(0));
  }
  void open(const uf::Request&, uf::Ino ino, const uf::OpenIn&, uf::ReplyOpen reply) override {
    if (ino == uf::kRootIno) return std::move(reply).error(EISDIR);
    uf::OpenResult r;
    r.direct_io = true;
    std::move(reply).open(r);
  }
  void read(const uf::Request&, uf::Ino ino, const uf::ReadIn& in, uf::ReplyData reply) override {
    if (ino == kCpus) {
      cpu_set_t set;
      if (sched_getaffinity(0, sizeof set, &set) != 0) return std::move(reply).error(errno);
      const std::string count = std::to_string(CPU_COUNT(&set));
      return std::move(reply).bytes(std::string_view(count).substr(0, in.size));
    }
    bool ok = true;
    if (ino == kRelease) {
      std::lock_guard lock(mutex_);
      ++releases_;
      changed_.notify_all();
    } else if (ino == kWait) {
      std::unique_lock lock(mutex_);
      const unsigned seen = releases_;
      ok = changed_.wait_for(lock, kGiveUp, [&] { return releases_ != seen; });
    } else if (ino > kGatherBase) {
      ok = gather(static_cast<unsigned>(ino - kGatherBase));
    }
    if (!ok) return std::move(reply).error(EIO);
    static const char kByte = 'x';
    std::move(reply).bytes(std::string_view(&kByte, in.size > 0 ? 1 : 0));
  }

 private:
  // A reusable barrier: round r ends when N readers of round r are inside.
  bool gather(unsigned n) {
    std::unique_lock lock(mutex_);
    const unsigned round = round_;
    if (++inside_ >= n) {
      inside_ = 0;
      ++round_;
      changed_.notify_all();
      return true;
    }
    if (changed_.wait_for(lock, kGiveUp, [&] { return round_ != round; })) return true;
    --inside_;
    return false;
  }
  static struct stat stat_of(uf::Ino ino) {
    struct stat st {};
    st.st_ino = ino;
    st.st_mode = ino == uf::kRootIno ? S_IFDIR | 0755 : S_IFREG | 0444;
    st.st_nlink = ino == uf::kRootIno ? 2 : 1;
    st.st_size = ino == uf::kRootIno ? 0 : ino == kCpus ? 16 : 1;
    return st;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  unsigned releases_ = 0;
  unsigned inside_ = 0, round_ = 0;
};

}  // namespace

int main(int argc, char* argv[]) {
  RendezvousFs fs;
  return uf::run_main(argc, argv, fs);
}
