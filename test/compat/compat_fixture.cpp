// The compat suites' shared helpers and fixture; see compat_fixture.hpp.
#include "compat_fixture.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace uringfuse::test {

using namespace std::chrono_literals;

namespace {
const std::string kBinDir = std::string(COMPAT_BUILD_DIR) + "/test/compat/bin";
}  // namespace

const BuildResult& build_filesystems() {
  static const BuildResult result = [] {
    BuildResult r;
    std::string log = std::string(COMPAT_BUILD_DIR) + "/test/compat/build-with-pkgconfig.log";
    Process build("/bin/bash", {std::string(COMPAT_SOURCE_DIR) + "/build-with-pkgconfig.sh", COMPAT_BUILD_DIR},
                  log);
    auto status = build.wait(300s);
    r.output = build.output();
    if (!status) r.output += "\n(build script timed out after 300 s)";
    r.ok = status && *status == 0;
    return r;
  }();
  return result;
}

std::string compat_binary(const std::string& name) { return kBinDir + "/" + name; }

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return names;
  while (struct dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string pattern(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed + i / 4096) % 26);
  return s;
}

const std::vector<Transport> kTransports = {
    {"single_thread", {"-s"}, false},
    {"multi_thread", {}, false},
    {"io_uring", {"-o", "io_uring"}, true},
};

std::string transport_name(const ::testing::TestParamInfo<Transport>& info) { return info.param.name; }
void PrintTo(const Transport& t, std::ostream* os) { *os << t.name; }

void CompatMount::SetUp() {
  URINGFUSE_REQUIRE_MOUNT_PREREQUISITES();
  const BuildResult& b = build_filesystems();
  ASSERT_TRUE(b.ok) << "build-with-pkgconfig.sh failed:\n" << b.output;
  mnt_ = dir_.sub("mnt");
  ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
  watchdog_.emplace(mnt_, 30s);
}

void CompatMount::TearDown() {
  stop();
  if (watchdog_ && watchdog_->fired()) ADD_FAILURE() << "watchdog aborted a hung mount";
  watchdog_.reset();
  EXPECT_FALSE(find_mount(mnt_).has_value()) << "mount left behind";
}

void CompatMount::start(const std::string& fs, const std::vector<std::string>& extra) {
  if (GetParam().uring) {
    ASSERT_TRUE(enable_fuse_uring()) << "cannot enable FUSE-over-io_uring";
  }
  std::vector<std::string> args{"-f"};
  args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(mnt_);
  daemon_.emplace(compat_binary(fs), args, dir_.sub("daemon.log"));
  ASSERT_TRUE(wait_for_mount(mnt_, true, 10s)) << "not mounted; daemon said:\n" << daemon_->output();
  if (GetParam().uring) {
    ASSERT_TRUE(wait_for_uring(*daemon_)) << "not served over io_uring:\n" << daemon_->output();
    on_uring_ = true;
  }
}

void CompatMount::stop() {
  if (!daemon_) return;
  for (const auto& problem : stop_with_sigterm(*daemon_, mnt_, on_uring_)) ADD_FAILURE() << problem;
  daemon_.reset();
  on_uring_ = false;
}

void SourceMount::SetUp() {
  CompatMount::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  src_ = dir_.sub("src");
  ASSERT_EQ(::mkdir(src_.c_str(), 0755), 0);
  start(program(), {"-o", "source=" + src_});
}

}  // namespace uringfuse::test
