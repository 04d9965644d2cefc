// Handlers of the scripted unit-test filesystem.
#include "test_filesystem.hpp"

#include <sys/statvfs.h>

#include <cerrno>

namespace uringfuse::test {

using namespace std::chrono_literals;

struct stat make_stat(Ino ino, mode_t mode, off_t size) {
  struct stat st {};
  st.st_ino = ino;
  st.st_mode = mode;
  st.st_nlink = 1;
  st.st_size = size;
  st.st_uid = 1000;
  st.st_gid = 1000;
  st.st_mtim = {1700000000, 123};
  return st;
}

void RecordingFs::lookup(const Request& req, Ino, std::string_view name, ReplyEntry reply) {
  calls.push_back("lookup");
  last_request = req;
  last_name = name;
  if (name == "missing") return std::move(reply).error(ENOENT);
  if (name == "throw") throw std::runtime_error("lookup exploded");
  if (name == "drop") return;  // reply destroyed unanswered
  if (name == "badErrno") return std::move(reply).error(-3);
  std::move(reply).entry({.ino = 7, .generation = 3, .attr = make_stat(7, S_IFREG | 0644, 10),
                          .attr_timeout = 1.5s, .entry_timeout = 2s});
}

void RecordingFs::getattr(const Request&, Ino ino, const GetattrIn& in, ReplyAttr reply) {
  calls.push_back("getattr");
  last_getattr = in;
  std::move(reply).attr(make_stat(ino, S_IFDIR | 0755), 0.25s);
}

void RecordingFs::open(const Request&, Ino, const OpenIn& in, ReplyOpen reply) {
  calls.push_back("open");
  last_open = in;
  std::move(reply).open({.fh = 99, .direct_io = true, .keep_cache = true});
}

void RecordingFs::read(const Request&, Ino, const ReadIn& in, ReplyData reply) {
  calls.push_back("read");
  last_read = in;
  if (in.fh == 666) return std::move(reply).bytes(std::string(in.size + 1, 'x'));  // oversize
  std::string_view data = file_data;
  auto start = std::min<std::size_t>(in.offset, data.size());
  std::move(reply).bytes(data.substr(start, in.size));
}

void RecordingFs::flush(const Request&, Ino, const FlushIn& in, ReplyEmpty reply) {
  calls.push_back("flush");
  last_flush = in;
  std::move(reply).ok();
}

void RecordingFs::release(const Request&, Ino, const ReleaseIn& in, ReplyEmpty reply) {
  calls.push_back("release");
  last_release = in;
  std::move(reply).ok();
}

void RecordingFs::readdir(const Request&, Ino, const ReadIn& in, ReplyDirectory reply) {
  calls.push_back("readdir");
  for (int i = static_cast<int>(in.offset); i < dir_entries; ++i) {
    std::string name = "f" + std::to_string(i);
    if (!reply.add(name, 100 + i, S_IFREG, i + 1)) break;
  }
  std::move(reply).done();
}

void RecordingFs::readdirplus(const Request&, Ino, const ReadIn& in, ReplyDirectoryPlus reply) {
  calls.push_back("readdirplus");
  for (int i = static_cast<int>(in.offset); i < dir_entries; ++i) {
    std::string name = "f" + std::to_string(i);
    EntryParam e{.ino = static_cast<Ino>(100 + i), .attr = make_stat(100 + i, S_IFREG | 0600)};
    if (!reply.add(name, e, i + 1)) break;
  }
  std::move(reply).done();
}

void RecordingFs::statfs(const Request&, Ino, ReplyStatfs reply) {
  calls.push_back("statfs");
  struct statvfs st {};
  st.f_bsize = 4096;
  st.f_frsize = 4096;
  st.f_blocks = 1000;
  st.f_bfree = 500;
  st.f_bavail = 400;
  st.f_files = 77;
  st.f_ffree = 33;
  st.f_namemax = 200;
  std::move(reply).statfs(st);
}

void RecordingFs::access(const Request&, Ino, int mask, ReplyEmpty reply) {
  calls.push_back("access");
  last_access_mask = mask;
  std::move(reply).ok();
}

}  // namespace uringfuse::test
