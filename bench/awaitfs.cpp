// awaitfs: latencyfs (bench/latencyfs.c) written with uringfuse's C++ API, its reads
// coroutines that co_await the backend delay (uringfuse/async_io.hpp): over io_uring
// the wait is a timeout on the request's own ring, so no thread blocks and no
// thread hands a reply over. bench/run-latency.sh runs it beside latencyfs.
//
//   awaitfs [options] -o delay_us=N [-o size_mb=M] [-o mode=await] MOUNTPOINT
//
// One file, /data (size_mb, default 1024 MiB; each 8-byte word holds its own
// offset, as in latencyfs). Metadata answers at once.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

#include <uringfuse/uringfuse.hpp>

namespace uf = uringfuse;

namespace {

constexpr uf::Ino kDataIno = 2;

struct Options {
  unsigned delay_us = 200;
  unsigned size_mb = 1024;
} options;

std::uint64_t data_size() { return std::uint64_t{options.size_mb} << 20; }

struct stat attr_of(uf::Ino ino) {
  struct stat st {};
  st.st_ino = ino;
  if (ino == uf::kRootIno) {
    st.st_mode = S_IFDIR | 0755;
    st.st_nlink = 2;
  } else {
    st.st_mode = S_IFREG | 0444;
    st.st_nlink = 1;
    st.st_size = static_cast<off_t>(data_size());
  }
  return st;
}

// Each 8-byte word holds its own offset (latencyfs's fill_data).
void fill_data(std::span<std::byte> out, std::uint64_t offset) {
  for (std::size_t i = 0; i < out.size();) {
    const std::uint64_t word_at = (offset + i) & ~std::uint64_t{7};
    const std::size_t skip = static_cast<std::size_t>(offset + i - word_at);
    const std::size_t n = std::min<std::size_t>(8 - skip, out.size() - i);
    std::memcpy(out.data() + i, reinterpret_cast<const std::byte*>(&word_at) + skip, n);
    i += n;
  }
}

class AwaitFs final : public uf::Filesystem {
 public:
  void lookup(const uf::Request&, uf::Ino parent, std::string_view name, uf::ReplyEntry reply) override {
    if (parent != uf::kRootIno || name != "data") return std::move(reply).error(ENOENT);
    std::move(reply).entry({.ino = kDataIno, .attr = attr_of(kDataIno),
                            .attr_timeout = std::chrono::hours(1), .entry_timeout = std::chrono::hours(1)});
  }
  void getattr(const uf::Request&, uf::Ino ino, const uf::GetattrIn&, uf::ReplyAttr reply) override {
    if (ino != uf::kRootIno && ino != kDataIno) return std::move(reply).error(ENOENT);
    std::move(reply).attr(attr_of(ino), std::chrono::hours(1));
  }
  void open(const uf::Request&, uf::Ino ino, const uf::OpenIn& in, uf::ReplyOpen reply) override {
    if (ino == uf::kRootIno) return std::move(reply).error(EISDIR);
    if ((in.flags & O_ACCMODE) != O_RDONLY) return std::move(reply).error(EACCES);
    std::move(reply).open({.direct_io = true});
  }
  void read(const uf::Request& req, uf::Ino, const uf::ReadIn& in, uf::ReplyData reply) override {
    read_later(req.io(), in.offset, in.size, std::move(reply));
  }

 private:
  static uf::Task read_later(uf::Io io, std::uint64_t offset, std::uint32_t size, uf::ReplyData reply) {
    if (int r = co_await io.timeout(std::chrono::microseconds(options.delay_us)); r < 0)
      co_return std::move(reply).error(r == -ECANCELED ? EINTR : -r);
    const std::uint64_t end = std::min<std::uint64_t>(offset + size, data_size());
    const std::size_t n = offset < end ? static_cast<std::size_t>(end - offset) : 0;
    auto out = reply.buffer().first(std::min<std::size_t>(n, reply.max_size()));
    fill_data(out, offset);
    std::move(reply).commit(out.size());
  }
};

unsigned number_of(std::string_view option, std::string_view value) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || end != value.data() + value.size())
    throw uf::CommandLineError("invalid value in option '" + std::string(option) + "'");
  return v;
}

}  // namespace

int main(int argc, char* argv[]) {
  uf::CommandLineSpec spec;
  spec.extra_help =
      "    -o delay_us=N          each read awaits N microseconds first (default 200)\n"
      "    -o size_mb=M           size of /data in MiB (default 1024)\n"
      "    -o mode=await          the only mode (accepted for bench scripts)\n";
  spec.option_handler = [](std::string_view opt) {
    if (opt.starts_with("delay_us=")) return options.delay_us = number_of(opt, opt.substr(9)), true;
    if (opt.starts_with("size_mb=")) return options.size_mb = number_of(opt, opt.substr(8)), true;
    if (opt == "mode=await") return true;
    return false;
  };
  AwaitFs fs;
  return uf::run_main(argc, argv, fs, spec);
}
