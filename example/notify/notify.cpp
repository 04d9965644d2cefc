// notify: shows the kernel-notification API and interrupts at work.
//
//   /data       a file the kernel may cache for a long time (60 s)
//   /ctl        write a command to it:
//                 set TEXT        change /data behind the kernel's back
//                 inval_inode     tell the kernel /data's cached pages are stale
//                 hide            make /data vanish from lookups (still cached)
//                 inval_entry     tell the kernel the "data" dentry is stale
//                 store TEXT      push TEXT into /data's page cache
//                 retrieve        fetch /data's cached bytes back into /retrieved
//                 release         answer every waiting read of /slow now
//   /retrieved  what the last retrieve got
//   /slow       a read that waits until the caller is interrupted (then EINTR)
//
// Usage: notify [options] <mountpoint>
#include <uringfuse/uringfuse.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace uf = uringfuse;
using namespace std::chrono_literals;

namespace {

enum : uf::Ino { kData = 2, kCtl, kRetrieved, kSlow };

struct Node {
  const char* name;
  uf::Ino ino;
  mode_t mode;
};
constexpr Node kNodes[] = {{"data", kData, S_IFREG | 0644},
                           {"ctl", kCtl, S_IFREG | 0666},
                           {"retrieved", kRetrieved, S_IFREG | 0444},
                           {"slow", kSlow, S_IFREG | 0444}};

// Replies to reads of /slow once the caller is interrupted (or after 20 s, or when
// the filesystem shuts down: every reply must be answered while the session lives).
class SlowReads {
 public:
  ~SlowReads() { finish(); }
  void park(std::stop_token token, uf::ReplyData reply) {
    std::lock_guard guard(mutex_);
    threads_.emplace_back([this, token, reply = std::move(reply)]() mutable {
      {
        std::unique_lock lock(mutex_);
        const std::uint64_t round = releases_;
        cv_.wait_for(lock, token, 20s, [&] { return finishing_ || releases_ != round; });
      }
      if (token.stop_requested()) return std::move(reply).error(EINTR);
      std::move(reply).bytes(std::string_view("slow but done\n"));
    });
  }
  // Answers every waiting read now. Over io_uring, Linux (6.18) never sends the
  // INTERRUPT for a request interrupted before a ring entry picked it up, so such a
  // read would wait for its 20 s; "release" through /ctl ends them (doc/io_uring.md).
  void release() {
    {
      std::lock_guard guard(mutex_);
      ++releases_;
    }
    cv_.notify_all();
  }
  void finish() {
    std::vector<std::thread> threads;
    {
      std::lock_guard guard(mutex_);
      finishing_ = true;
      threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads) t.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any cv_;
  bool finishing_ = false;
  std::uint64_t releases_ = 0;
  std::vector<std::thread> threads_;
};

class NotifyFs final : public uf::Filesystem {
 public:
  void init(uf::ConnectionInfo& conn) override { notifier_ = &conn.notifier(); }
  void destroy() override { slow_.finish(); }

  void lookup(const uf::Request&, uf::Ino parent, std::string_view name, uf::ReplyEntry reply) override {
    if (parent != uf::kRootIno) return std::move(reply).error(ENOENT);
    for (const auto& n : kNodes) {
      if (name != n.name) continue;
      if (n.ino == kData && hidden_) break;
      return std::move(reply).entry({.ino = n.ino, .attr = attr(n.ino),
                                     .attr_timeout = cache_time(n.ino), .entry_timeout = 60s});
    }
    std::move(reply).error(ENOENT);
  }

  void getattr(const uf::Request&, uf::Ino ino, const uf::GetattrIn&, uf::ReplyAttr reply) override {
    std::move(reply).attr(attr(ino), cache_time(ino));
  }

  void setattr(const uf::Request&, uf::Ino ino, const uf::SetattrIn&, uf::ReplyAttr reply) override {
    std::move(reply).attr(attr(ino), 60s);  // truncation of /ctl by "echo >" is a no-op
  }

  void open(const uf::Request&, uf::Ino ino, const uf::OpenIn& in, uf::ReplyOpen reply) override {
    bool writing = (in.flags & O_ACCMODE) != O_RDONLY;
    if (writing && ino != kCtl) return std::move(reply).error(EACCES);
    // /data keeps its page cache across opens: only notifications refresh it.
    std::move(reply).open({.direct_io = ino != kData, .keep_cache = ino == kData});
  }

  void read(const uf::Request& req, uf::Ino ino, const uf::ReadIn& in, uf::ReplyData reply) override {
    if (ino == kSlow) return slow_.park(req.stop_token(), std::move(reply));
    std::string text = content(ino);
    auto start = std::min<std::size_t>(in.offset, text.size());
    std::move(reply).bytes(std::string_view(text).substr(start, in.size));
  }

  void write(const uf::Request&, uf::Ino ino, const uf::WriteIn&, std::span<const std::byte> data,
             uf::ReplyWrite reply) override {
    if (ino != kCtl) return std::move(reply).error(EACCES);
    std::string cmd(reinterpret_cast<const char*>(data.data()), data.size());
    while (!cmd.empty() && (cmd.back() == '\n' || cmd.back() == '\r')) cmd.pop_back();
    // Notify before answering, so the writer sees the effect once write() returns.
    // Safe here: the writer holds only /ctl's lock, and every notification below
    // concerns /data or the root directory. (A notification about the inode a
    // request is operating on, sent from that request's handler, could deadlock.)
    run(cmd);
    std::move(reply).written(data.size());
  }

  void readdir(const uf::Request&, uf::Ino ino, const uf::ReadIn& in, uf::ReplyDirectory reply) override {
    if (ino != uf::kRootIno) return std::move(reply).error(ENOTDIR);
    std::size_t i = in.offset;
    if (i == 0 && !reply.add(".", uf::kRootIno, S_IFDIR, ++i)) return std::move(reply).done();
    if (i == 1 && !reply.add("..", uf::kRootIno, S_IFDIR, ++i)) return std::move(reply).done();
    for (; i - 2 < std::size(kNodes); ++i)
      if (!reply.add(kNodes[i - 2].name, kNodes[i - 2].ino, kNodes[i - 2].mode, i + 1)) break;
    std::move(reply).done();
  }

 private:
  void run(const std::string& cmd) {
    int err = 0;
    if (cmd.rfind("set ", 0) == 0) {
      std::lock_guard lock(mutex_);
      data_ = cmd.substr(4) + "\n";
    } else if (cmd == "inval_inode") {
      err = notifier_->inval_inode(kData, 0, 0);
    } else if (cmd == "release") {
      slow_.release();
    } else if (cmd == "hide") {
      hidden_ = true;
    } else if (cmd == "inval_entry") {
      err = notifier_->inval_entry(uf::kRootIno, "data");
    } else if (cmd.rfind("store ", 0) == 0) {
      std::string text = cmd.substr(6) + "\n";
      err = notifier_->store(kData, 0, std::as_bytes(std::span(text)));
    } else if (cmd == "retrieve") {
      err = notifier_->retrieve(kData, 0, 4096, [this](std::uint64_t, std::span<const std::byte> d) {
        std::lock_guard lock(mutex_);
        retrieved_.assign(reinterpret_cast<const char*>(d.data()), d.size());
      });
    } else {
      uf::log(uf::LogLevel::warning, "notify: unknown command '%s'", cmd.c_str());
      return;
    }
    if (err) uf::log(uf::LogLevel::warning, "notify: %s: %s", cmd.c_str(), std::strerror(err));
  }

  std::string content(uf::Ino ino) {
    std::lock_guard lock(mutex_);
    return ino == kData ? data_ : ino == kRetrieved ? retrieved_ : std::string();
  }

  // /retrieved changes on its own: never cached.
  static uf::Timeout cache_time(uf::Ino ino) { return ino == kRetrieved ? 0s : 60s; }

  struct stat attr(uf::Ino ino) {
    struct stat st {};
    st.st_ino = ino;
    st.st_nlink = 1;
    st.st_mode = S_IFDIR | 0755;
    for (const auto& n : kNodes)
      if (n.ino == ino) st.st_mode = n.mode;
    if (ino == kData || ino == kRetrieved) st.st_size = static_cast<off_t>(content(ino).size());
    if (ino == kSlow) st.st_size = 14;
    return st;
  }

  uf::Notifier* notifier_ = nullptr;
  std::mutex mutex_;
  std::string data_ = "original\n";
  std::string retrieved_;
  std::atomic<bool> hidden_{false};
  SlowReads slow_;
};

}  // namespace

int main(int argc, char* argv[]) {
  NotifyFs fs;
  return uf::run_main(argc, argv, fs);
}
