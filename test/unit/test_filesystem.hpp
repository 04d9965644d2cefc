// A scripted filesystem for the unit tests: records what each handler received and
// answers from fields the test sets.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "uringfuse/filesystem.hpp"

namespace uringfuse::test {

struct stat make_stat(Ino ino, mode_t mode, off_t size = 0);

class RecordingFs : public Filesystem {
 public:
  std::function<void(ConnectionInfo&)> on_init;
  std::vector<std::string> calls;
  std::string last_name;
  Request last_request;
  ReadIn last_read;
  OpenIn last_open;
  ReleaseIn last_release;
  FlushIn last_flush;
  GetattrIn last_getattr;
  int last_access_mask = -1;
  std::vector<Forget> forgets;
  std::string file_data = "0123456789";
  int destroyed = 0;

  void init(ConnectionInfo& conn) override {
    if (on_init) on_init(conn);
  }
  void destroy() override { ++destroyed; }
  void lookup(const Request& req, Ino parent, std::string_view name, ReplyEntry reply) override;
  void forget(const Request&, Ino ino, std::uint64_t nlookup) override {
    calls.push_back("forget");
    forgets.push_back({ino, nlookup});
  }
  void getattr(const Request&, Ino ino, const GetattrIn& in, ReplyAttr reply) override;
  void open(const Request&, Ino, const OpenIn& in, ReplyOpen reply) override;
  void read(const Request&, Ino, const ReadIn& in, ReplyData reply) override;
  void flush(const Request&, Ino, const FlushIn& in, ReplyEmpty reply) override;
  void release(const Request&, Ino, const ReleaseIn& in, ReplyEmpty reply) override;
  void readdir(const Request&, Ino, const ReadIn& in, ReplyDirectory reply) override;
  void readdirplus(const Request&, Ino, const ReadIn& in, ReplyDirectoryPlus reply) override;
  void statfs(const Request&, Ino, ReplyStatfs reply) override;
  void access(const Request&, Ino, int mask, ReplyEmpty reply) override;

  // A directory of `dir_entries` files named f0, f1, ... (plus . and ..).
  int dir_entries = 50;
};

// Implements nothing: every operation keeps the library's default.
class EmptyFs : public Filesystem {};

}  // namespace uringfuse::test
