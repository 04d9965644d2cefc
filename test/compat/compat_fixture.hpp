// What the compat mount tests share: the filesystems built through pkg-config
// (build-with-pkgconfig.sh, once per run), small file helpers, and a fixture that
// runs one of them over a transport and stops it with SIGTERM as a user would.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "../support/example_mount.hpp"
#include "../support/mount_harness.hpp"

namespace uringfuse::test {

struct BuildResult {
  bool ok = false;
  std::string output;
};

// Runs build-with-pkgconfig.sh once per test binary run; every test needs its output.
const BuildResult& build_filesystems();
std::string compat_binary(const std::string& name);

// Names in a directory, sorted, "." and ".." included.
std::vector<std::string> list_dir(const std::string& path);
// `size` bytes that differ with `seed` and across 4 KiB pages.
std::string pattern(std::size_t size, unsigned seed);

struct Transport {
  std::string name;
  std::vector<std::string> args;
  bool uring = false;
};

// One thread (-s), the worker pool, and the rings (-o io_uring).
extern const std::vector<Transport> kTransports;
std::string transport_name(const ::testing::TestParamInfo<Transport>& info);
void PrintTo(const Transport& t, std::ostream* os);

class CompatMount : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs `fs -f <transport args> extra... mnt_` and waits for the mount (and, over
  // io_uring, for the daemon to say the ring serves it).
  void start(const std::string& fs, const std::vector<std::string>& extra = {});
  // SIGTERM, as a user would stop it: the daemon must unmount and exit by itself.
  void stop();

  std::string at(const std::string& rel) const { return mnt_ + "/" + rel; }

  TempDir dir_;
  std::string mnt_;
  std::optional<Process> daemon_;
  std::optional<Watchdog> watchdog_;
  bool on_uring_ = false;  // the daemon said it serves over io_uring
};

// A passthrough-style filesystem (program()) started over a fresh source directory.
class SourceMount : public CompatMount {
 protected:
  virtual std::string program() const = 0;
  void SetUp() override;
  std::string in_src(const std::string& rel) const { return src_ + "/" + rel; }
  std::string src_;
};

}  // namespace uringfuse::test
