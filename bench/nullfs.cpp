// nullfs: a filesystem that answers from constants, for measuring the transport alone
// (/dev/fuse single thread, worker pool, io_uring) without a backing store's cost.
// Usage: nullfs [options] <mountpoint>     (-s one thread, -o io_uring; try -h)
//
//   /f0 .. /f999   empty files: lookup parses the name, getattr builds the answer
//   /data          1 GiB; reads return zeros, writes are accepted and dropped
//
// Every timeout is 0, so each stat(2) reaches the daemon; files open with direct_io,
// so every read(2) does too, whatever O_DIRECT says.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <ctime>
#include <span>
#include <string_view>

#include <uringfuse/uringfuse.hpp>

namespace uf = uringfuse;

namespace {

constexpr uf::Ino kDataIno = 2;
constexpr uf::Ino kFirstFileIno = 3;  // f<K> is inode kFirstFileIno + K
constexpr unsigned kFileCount = 1000;
constexpr std::string_view kDataName = "data";
constexpr off_t kDataSize = off_t{1} << 30;

// Read replies that cannot be built in the transport's own buffer point here. Larger
// reads than this are answered short, which a reader handles like any short read.
constexpr std::size_t kZeroBytes = std::size_t{1} << 20;
const std::byte kZeros[kZeroBytes] = {};

const timespec kStarted = [] {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}();

bool is_file(uf::Ino ino) {
  return ino >= kFirstFileIno && ino < kFirstFileIno + kFileCount;
}
bool exists(uf::Ino ino) {
  return ino == uf::kRootIno || ino == kDataIno || is_file(ino);
}

struct stat attr_of(uf::Ino ino) {
  struct stat st {};
  st.st_ino = ino;
  st.st_atim = st.st_mtim = st.st_ctim = kStarted;
  st.st_uid = ::getuid();
  st.st_gid = ::getgid();
  st.st_blksize = 4096;
  if (ino == uf::kRootIno) {
    st.st_mode = S_IFDIR | 0755;
    st.st_nlink = 2;
  } else {
    st.st_mode = S_IFREG | 0644;
    st.st_nlink = 1;
    st.st_size = ino == kDataIno ? kDataSize : 0;
    st.st_blocks = st.st_size / 512;
  }
  return st;
}

// "f<K>" with 0 <= K < kFileCount and no leading zeros -> its inode; 0 otherwise.
uf::Ino file_ino(std::string_view name) {
  if (name.size() < 2 || name[0] != 'f' || (name[1] == '0' && name.size() > 2)) return 0;
  unsigned k = 0;
  auto [end, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), k);
  if (ec != std::errc{} || end != name.data() + name.size() || k >= kFileCount) return 0;
  return kFirstFileIno + k;
}

// "f<K>", written into `out`.
std::string_view file_name(std::uint64_t k, char (&out)[16]) {
  out[0] = 'f';
  char* end = std::to_chars(out + 1, out + sizeof out, k).ptr;
  return {out, static_cast<std::size_t>(end - out)};
}

class NullFs final : public uf::Filesystem {
 public:
  void lookup(const uf::Request&, uf::Ino parent, std::string_view name,
              uf::ReplyEntry reply) override {
    if (parent != uf::kRootIno) return std::move(reply).error(ENOTDIR);
    uf::Ino ino = name == kDataName ? kDataIno : file_ino(name);
    if (ino == 0) return std::move(reply).error(ENOENT);
    std::move(reply).entry({.ino = ino, .attr = attr_of(ino)});  // timeouts 0
  }

  void getattr(const uf::Request&, uf::Ino ino, const uf::GetattrIn&,
               uf::ReplyAttr reply) override {
    if (!exists(ino)) return std::move(reply).error(ENOENT);
    std::move(reply).attr(attr_of(ino), uf::Timeout{0});
  }

  void open(const uf::Request&, uf::Ino ino, const uf::OpenIn&, uf::ReplyOpen reply) override {
    if (ino == uf::kRootIno) return std::move(reply).error(EISDIR);
    std::move(reply).open({.direct_io = true});
  }

  void read(const uf::Request&, uf::Ino ino, const uf::ReadIn& in, uf::ReplyData reply) override {
    off_t size = ino == kDataIno ? kDataSize : 0;
    auto offset = static_cast<off_t>(std::min<std::uint64_t>(in.offset, size));
    std::size_t n = std::min<std::uint64_t>(in.size, size - offset);
    // Over io_uring the ring entry's payload is sent as it is: no fill, no copy. The
    // bytes are whatever the buffer held, which no benchmark looks at.
    if (reply.lends_buffer()) return std::move(reply).commit(std::min(n, reply.buffer().size()));
    std::move(reply).bytes(std::span(kZeros, std::min(n, kZeroBytes)));
  }

  void write(const uf::Request&, uf::Ino ino, const uf::WriteIn&, std::span<const std::byte> data,
             uf::ReplyWrite reply) override {
    if (ino != kDataIno) return std::move(reply).error(EACCES);
    std::move(reply).written(data.size());
  }

  void flush(const uf::Request&, uf::Ino, const uf::FlushIn&, uf::ReplyEmpty reply) override {
    std::move(reply).ok();
  }

  void readdir(const uf::Request&, uf::Ino ino, const uf::ReadIn& in,
               uf::ReplyDirectory reply) override {
    if (ino != uf::kRootIno) return std::move(reply).error(ENOTDIR);
    // Offsets: 0 ".", 1 "..", 2 "data", 3 + K "f<K>"; an entry's offset is the next one's.
    char name[16];
    for (std::uint64_t pos = in.offset; pos < 3 + kFileCount; ++pos) {
      bool added = pos == 0   ? reply.add(".", uf::kRootIno, S_IFDIR, 1)
                   : pos == 1 ? reply.add("..", uf::kRootIno, S_IFDIR, 2)
                   : pos == 2 ? reply.add(kDataName, kDataIno, S_IFREG, 3)
                              : reply.add(file_name(pos - 3, name), kFirstFileIno + pos - 3,
                                          S_IFREG, pos + 1);
      if (!added) break;
    }
    std::move(reply).done();
  }
};

}  // namespace

int main(int argc, char* argv[]) {
  NullFs fs;
  return uf::run_main(argc, argv, fs);
}
