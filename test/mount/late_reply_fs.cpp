// A test daemon whose filesystem keeps every GETATTR reply of /park in itself and
// never answers it while the session lives. After run_main() has returned and the
// session (its transports, rings and reply targets) is gone, the first is answered
// and says what its send came to (-ENODEV); the rest are destroyed with the
// filesystem object. They must send nothing and harm nothing (reply_lifetime_test.cpp).
#include <uringfuse/uringfuse.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <vector>

namespace uf = uringfuse;

namespace {

constexpr uf::Ino kPark = 2;

class LateReplyFs final : public uf::Filesystem {
 public:
  void lookup(const uf::Request&, uf::Ino parent, std::string_view name, uf::ReplyEntry reply) override {
    if (parent != uf::kRootIno || name != "park") return std::move(reply).error(ENOENT);
    uf::EntryParam e;
    e.ino = kPark;
    e.attr = stat_of(kPark);
    std::move(reply).entry(e);
  }
  void getattr(const uf::Request&, uf::Ino ino, const uf::GetattrIn&, uf::ReplyAttr reply) override {
    if (ino == uf::kRootIno) return std::move(reply).attr(stat_of(ino), std::chrono::seconds(0));
    if (ino != kPark) return std::move(reply).error(ENOENT);
    std::lock_guard lock(mutex_);
    parked_.push_back(std::move(reply));  // never answered while the session lives
  }

  // Once the session is gone: the first parked reply answered, its send's status told.
  void answer_first_parked() {
    std::lock_guard lock(mutex_);
    if (parked_.empty()) return;
    uf::ReplyAttr& reply = parked_.front();
    std::move(reply).attr(stat_of(kPark), std::chrono::seconds(0));
    std::printf("late reply answered after the session: send_status %d\n", reply.send_status());
    std::fflush(stdout);
  }

 private:
  static struct stat stat_of(uf::Ino ino) {
    struct stat st {};
    st.st_ino = ino;
    st.st_mode = ino == uf::kRootIno ? S_IFDIR | 0755 : S_IFREG | 0444;
    st.st_nlink = ino == uf::kRootIno ? 2 : 1;
    return st;
  }
  std::mutex mutex_;
  std::vector<uf::ReplyAttr> parked_;
};

}  // namespace

int main(int argc, char* argv[]) {
  LateReplyFs fs;  // outlives run_main: its parked replies are destroyed after it
  int status = uf::run_main(argc, argv, fs);
  fs.answer_first_parked();
  return status;
}
