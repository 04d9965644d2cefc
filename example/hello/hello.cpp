// hello: a read-only filesystem with one file, /hello, that says hello.
// Usage: hello [options] <mountpoint>     (try -h)
#include <uringfuse/uringfuse.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cerrno>
#include <fcntl.h>
#include <string_view>

namespace uf = uringfuse;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kName = "hello";
constexpr std::string_view kText = "Hello from uringfuse!\n";
constexpr uf::Ino kHelloIno = 2;

// Every timestamp is the daemon's start, so ls shows something sensible.
const timespec kStarted = [] {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}();

struct stat attr_of(uf::Ino ino) {
  struct stat st {};
  st.st_ino = ino;
  st.st_atim = st.st_mtim = st.st_ctim = kStarted;
  st.st_uid = ::getuid();
  st.st_gid = ::getgid();
  if (ino == uf::kRootIno) {
    st.st_mode = S_IFDIR | 0755;
    st.st_nlink = 2;
  } else {
    st.st_mode = S_IFREG | 0444;
    st.st_nlink = 1;
    st.st_size = kText.size();
  }
  return st;
}

class Hello final : public uf::Filesystem {
 public:
  void lookup(const uf::Request&, uf::Ino parent, std::string_view name,
              uf::ReplyEntry reply) override {
    if (parent != uf::kRootIno || name != kName) return std::move(reply).error(ENOENT);
    std::move(reply).entry({.ino = kHelloIno, .attr = attr_of(kHelloIno), .attr_timeout = 1s,
                            .entry_timeout = 1s});
  }

  void getattr(const uf::Request&, uf::Ino ino, const uf::GetattrIn&, uf::ReplyAttr reply) override {
    if (ino != uf::kRootIno && ino != kHelloIno) return std::move(reply).error(ENOENT);
    std::move(reply).attr(attr_of(ino), 1s);
  }

  void open(const uf::Request&, uf::Ino ino, const uf::OpenIn& in, uf::ReplyOpen reply) override {
    if (ino != kHelloIno) return std::move(reply).error(EISDIR);
    if ((in.flags & O_ACCMODE) != O_RDONLY) return std::move(reply).error(EACCES);
    std::move(reply).open({.keep_cache = true});
  }

  void read(const uf::Request&, uf::Ino, const uf::ReadIn& in, uf::ReplyData reply) override {
    auto start = std::min<std::size_t>(in.offset, kText.size());
    std::move(reply).bytes(kText.substr(start, in.size));
  }

  void readdir(const uf::Request&, uf::Ino ino, const uf::ReadIn& in,
               uf::ReplyDirectory reply) override {
    if (ino != uf::kRootIno) return std::move(reply).error(ENOTDIR);
    struct Item {
      std::string_view name;
      uf::Ino ino;
      mode_t mode;
    };
    const Item items[] = {{".", uf::kRootIno, S_IFDIR}, {"..", uf::kRootIno, S_IFDIR},
                          {kName, kHelloIno, S_IFREG}};
    // An entry's offset is the position after it, so the kernel resumes correctly.
    for (std::size_t i = in.offset; i < std::size(items); ++i)
      if (!reply.add(items[i].name, items[i].ino, items[i].mode, i + 1)) break;
    std::move(reply).done();
  }
};

}  // namespace

int main(int argc, char* argv[]) {
  Hello fs;
  return uf::run_main(argc, argv, fs);
}
