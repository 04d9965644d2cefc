// The libfuse 3 command line and session constructor of the C compat layer, plus the
// small helpers every ported filesystem leans on: fuse_parse_cmdline (flags, -d kept,
// thread options, realpath'd mountpoint, default subtype), fuse_session_new (leftover
// options refused, library and mount options accepted, short op tables), directory
// entry sizes, feature flags, loop configs and fuse_buf_copy. No session is mounted.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#define FUSE_USE_VERSION 319
#include "uringfuse/fuse3/fuse_lowlevel.h"

// The opaque types' insides, to see what the library kept.
#include "compat/compat_filesystem.hpp"
#include "compat/compat_types.hpp"
#include "uringfuse/log.hpp"

namespace {

// ---- log capture and argument vectors -----------------------------------------------

std::vector<std::string> g_log;

void capture(fuse_log_level, const char* fmt, va_list ap) {
  char line[1024];
  std::vsnprintf(line, sizeof line, fmt, ap);
  g_log.emplace_back(line);
}

bool logged(const std::string& needle) {
  return std::any_of(g_log.begin(), g_log.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

// Quiet, inspectable log; the library log level is restored because `-d` lowers it.
class CompatFixture : public testing::Test {
 protected:
  void SetUp() override {
    g_log.clear();
    saved_level_ = uringfuse::log_level();
    fuse_set_log_func(capture);
  }
  void TearDown() override {
    fuse_set_log_func(nullptr);
    uringfuse::set_log_level(saved_level_);
  }

 private:
  uringfuse::LogLevel saved_level_ = uringfuse::LogLevel::info;
};

// A main()-style argv the test owns; the parser may replace it with an allocated one.
class Args {
 public:
  Args(std::initializer_list<std::string> words) : store_(words) {
    for (auto& s : store_) ptrs_.push_back(s.data());
    ptrs_.push_back(nullptr);
    args = FUSE_ARGS_INIT(static_cast<int>(store_.size()), ptrs_.data());
  }
  ~Args() { fuse_opt_free_args(&args); }
  Args(const Args&) = delete;
  Args& operator=(const Args&) = delete;

  std::vector<std::string> words() const {
    std::vector<std::string> out;
    for (int i = 0; i < args.argc; ++i) out.emplace_back(args.argv[i]);
    return out;
  }
  bool has(const std::string& w) const {
    auto all = words();
    return std::find(all.begin(), all.end(), w) != all.end();
  }

  fuse_args args;

 private:
  std::vector<std::string> store_;
  std::vector<char*> ptrs_;
};

// fuse_cmdline_opts owns its mountpoint string.
struct Cmdline {
  fuse_cmdline_opts opts{};
  ~Cmdline() { free(opts.mountpoint); }
};

// A fresh directory for mountpoints, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/uringfuse-cmdline-XXXXXX";
    const char* made = mkdtemp(templ);
    if (made) path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string resolved() const {
    char buf[PATH_MAX];
    return realpath(path_.c_str(), buf) ? buf : "";
  }

 private:
  std::string path_;
};

using CompatCmdline = CompatFixture;
using CompatSession = CompatFixture;

// ---- fuse_parse_cmdline -------------------------------------------------------------

TEST_F(CompatCmdline, DefaultsWithOnlyAMountpoint) {
  TempDir dir;
  Args a{"/usr/local/bin/myfs", dir.path()};
  Cmdline c;
  ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0);
  EXPECT_EQ(c.opts.singlethread, 0);
  EXPECT_EQ(c.opts.foreground, 0);
  EXPECT_EQ(c.opts.debug, 0);
  EXPECT_EQ(c.opts.nodefault_subtype, 0);
  EXPECT_EQ(c.opts.show_help, 0);
  EXPECT_EQ(c.opts.show_version, 0);
  EXPECT_EQ(c.opts.clone_fd, 0);
  EXPECT_EQ(c.opts.max_threads, 10u);
  EXPECT_EQ(c.opts.max_idle_threads, UINT_MAX);
  ASSERT_NE(c.opts.mountpoint, nullptr);
  EXPECT_EQ(std::string(c.opts.mountpoint), dir.resolved());
  // The mountpoint is taken out; the default subtype (argv[0]'s basename) goes in.
  EXPECT_EQ(a.words(), (std::vector<std::string>{"/usr/local/bin/myfs", "-osubtype=myfs"}));
}

TEST_F(CompatCmdline, HelpAndVersionFlags) {
  for (const char* flag : {"-h", "--help"}) {
    Args a{"prog", flag};
    Cmdline c;
    ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0) << flag;
    EXPECT_EQ(c.opts.show_help, 1) << flag;
    EXPECT_EQ(c.opts.show_version, 0) << flag;
    EXPECT_EQ(c.opts.mountpoint, nullptr) << flag;  // help needs no mountpoint
    EXPECT_FALSE(a.has(flag)) << flag;
  }
  for (const char* flag : {"-V", "--version"}) {
    Args a{"prog", flag};
    Cmdline c;
    ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0) << flag;
    EXPECT_EQ(c.opts.show_version, 1) << flag;
    EXPECT_EQ(c.opts.show_help, 0) << flag;
    EXPECT_FALSE(a.has(flag)) << flag;
  }
}

TEST_F(CompatCmdline, DebugImpliesForegroundAndStaysForTheSession) {
  TempDir dir;
  Args a{"prog", "-d", dir.path()};
  Cmdline c;
  ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0);
  EXPECT_EQ(c.opts.debug, 1);
  EXPECT_EQ(c.opts.foreground, 1);
  EXPECT_EQ(a.words(), (std::vector<std::string>{"prog", "-d", "-osubtype=prog"}));
}

TEST_F(CompatCmdline, DebugAsMountOptionAlsoStays) {
  Args a{"prog", "-o", "debug"};
  Cmdline c;
  ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0);
  EXPECT_EQ(c.opts.debug, 1);
  EXPECT_EQ(c.opts.foreground, 1);
  EXPECT_EQ(a.words(), (std::vector<std::string>{"prog", "-o", "debug", "-osubtype=prog"}));
}

TEST_F(CompatCmdline, ForegroundAndSingleThreadAreConsumed) {
  Args a{"prog", "-f", "-s"};
  Cmdline c;
  ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0);
  EXPECT_EQ(c.opts.foreground, 1);
  EXPECT_EQ(c.opts.singlethread, 1);
  EXPECT_EQ(c.opts.debug, 0);
  EXPECT_EQ(a.words(), (std::vector<std::string>{"prog", "-osubtype=prog"}));
}

TEST_F(CompatCmdline, ThreadOptionsAreParsedAndConsumed) {
  Args a{"prog", "-o", "clone_fd,max_threads=4", "-omax_idle_threads=2"};
  Cmdline c;
  ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0);
  EXPECT_EQ(c.opts.clone_fd, 1);
  EXPECT_EQ(c.opts.max_threads, 4u);
  EXPECT_EQ(c.opts.max_idle_threads, 2u);
  EXPECT_EQ(a.words(), (std::vector<std::string>{"prog", "-osubtype=prog"}));
}

TEST_F(CompatCmdline, MountpointIsMadeAbsolute) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_EQ(::mkdir((dir.path() + "/sub").c_str(), 0700), 0);
  ASSERT_EQ(::symlink((dir.path() + "/sub").c_str(), (dir.path() + "/link").c_str()), 0);

  Args dots{"prog", dir.path() + "/sub/../sub/./"};
  Cmdline c1;
  ASSERT_EQ(fuse_parse_cmdline(&dots.args, &c1.opts), 0);
  ASSERT_NE(c1.opts.mountpoint, nullptr);
  EXPECT_EQ(std::string(c1.opts.mountpoint), dir.resolved() + "/sub");

  Args link{"prog", dir.path() + "/link"};
  Cmdline c2;
  ASSERT_EQ(fuse_parse_cmdline(&link.args, &c2.opts), 0);
  ASSERT_NE(c2.opts.mountpoint, nullptr);
  EXPECT_EQ(std::string(c2.opts.mountpoint), dir.resolved() + "/sub");
}

TEST_F(CompatCmdline, MissingMountpointDirectoryIsAnError) {
  TempDir dir;
  Args a{"prog", dir.path() + "/does-not-exist"};
  Cmdline c;
  EXPECT_EQ(fuse_parse_cmdline(&a.args, &c.opts), -1);
  EXPECT_TRUE(logged("does-not-exist"));
}

TEST_F(CompatCmdline, SecondNonOptionIsAnError) {
  TempDir one, two;
  Args a{"prog", one.path(), two.path()};
  Cmdline c;
  EXPECT_EQ(fuse_parse_cmdline(&a.args, &c.opts), -1);
  EXPECT_TRUE(logged(two.path()));
}

TEST_F(CompatCmdline, UnknownOptionsStayInArgs) {
  TempDir dir;
  Args a{"prog", "--foo", "-o", "bar,max_threads=3", "-x", dir.path()};
  Cmdline c;
  ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0);
  EXPECT_EQ(c.opts.max_threads, 3u);
  EXPECT_EQ(a.words(), (std::vector<std::string>{"prog", "-o", "bar", "--foo", "-x", "-osubtype=prog"}));
}

TEST_F(CompatCmdline, FsnameOrSubtypeSuppressesTheDefaultSubtype) {
  for (const char* opt : {"fsname=mine", "subtype=mine"}) {
    Args a{"prog", "-o", opt};
    Cmdline c;
    ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0) << opt;
    EXPECT_EQ(c.opts.nodefault_subtype, 1) << opt;
    EXPECT_EQ(a.words(), (std::vector<std::string>{"prog", "-o", opt})) << opt;
  }
}

// What the examples do: parse, then hand the rest to fuse_session_new.
TEST_F(CompatCmdline, LeftoversAreWhatTheSessionAccepts) {
  TempDir dir;
  Args a{"/opt/hello_ll", "-d", "-f", "-s", "-o", "clone_fd,max_threads=4,allow_other", dir.path()};
  Cmdline c;
  ASSERT_EQ(fuse_parse_cmdline(&a.args, &c.opts), 0);
  fuse_lowlevel_ops ops{};
  fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
  ASSERT_NE(se, nullptr) << (g_log.empty() ? "" : g_log.back());
  EXPECT_TRUE(se->options.debug);
  EXPECT_TRUE(se->options.mount.allow_other);
  EXPECT_EQ(se->options.mount.subtype, "hello_ll");
  fuse_session_destroy(se);
}

// ---- fuse_session_new ---------------------------------------------------------------

TEST_F(CompatSession, LeftoverUnknownOptionIsRefused) {
  fuse_lowlevel_ops ops{};
  {
    Args a{"prog", "-o", "no_such_option"};
    EXPECT_EQ(fuse_session_new(&a.args, &ops, sizeof ops, nullptr), nullptr);
    EXPECT_TRUE(logged("no_such_option"));
  }
  {
    Args a{"prog", "--bogus"};
    EXPECT_EQ(fuse_session_new(&a.args, &ops, sizeof ops, nullptr), nullptr);
  }
  {
    Args a{"prog", "/stray/mountpoint"};
    EXPECT_EQ(fuse_session_new(&a.args, &ops, sizeof ops, nullptr), nullptr);
  }
}

TEST_F(CompatSession, EmptyArgvIsRefused) {
  fuse_lowlevel_ops ops{};
  fuse_args none = FUSE_ARGS_INIT(0, nullptr);
  EXPECT_EQ(fuse_session_new(&none, &ops, sizeof ops, nullptr), nullptr);
}

TEST_F(CompatSession, IoUringOptionsAreAccepted) {
  Args a{"prog", "-o", "io_uring,io_uring_q_depth=4"};
  fuse_lowlevel_ops ops{};
  fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
  ASSERT_NE(se, nullptr);
  EXPECT_TRUE(se->options.io_uring);
  EXPECT_EQ(se->options.io_uring_q_depth, 4u);
  fuse_session_destroy(se);
}

// libfuse's environment switches, read before the options (which win).
TEST_F(CompatSession, UringEnvironmentIsHonoured) {
  fuse_lowlevel_ops ops{};
  setenv("FUSE_URING_ENABLE", "1", 1);
  setenv("FUSE_URING_QUEUE_DEPTH", "8", 1);
  {
    Args a{"prog"};
    fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
    ASSERT_NE(se, nullptr);
    EXPECT_TRUE(se->options.io_uring);
    EXPECT_EQ(se->options.io_uring_q_depth, 8u);
    fuse_session_destroy(se);
  }
  {
    Args a{"prog", "-o", "io_uring_q_depth=2"};
    fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
    ASSERT_NE(se, nullptr);
    EXPECT_EQ(se->options.io_uring_q_depth, 2u);
    fuse_session_destroy(se);
  }
  setenv("FUSE_URING_ENABLE", "0", 1);
  unsetenv("FUSE_URING_QUEUE_DEPTH");
  {
    Args a{"prog"};
    fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
    ASSERT_NE(se, nullptr);
    EXPECT_FALSE(se->options.io_uring);
    fuse_session_destroy(se);
  }
  {
    Args a{"prog", "-o", "io_uring"};
    fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
    ASSERT_NE(se, nullptr);
    EXPECT_TRUE(se->options.io_uring);
    fuse_session_destroy(se);
  }
  unsetenv("FUSE_URING_ENABLE");
}

TEST_F(CompatSession, MalformedUringEnvironmentIsRefused) {
  fuse_lowlevel_ops ops{};
  for (auto [name, value] : {std::pair{"FUSE_URING_ENABLE", "yes"}, std::pair{"FUSE_URING_ENABLE", ""},
                             std::pair{"FUSE_URING_QUEUE_DEPTH", "0"}, std::pair{"FUSE_URING_QUEUE_DEPTH", "8x"}}) {
    g_log.clear();
    setenv(name, value, 1);
    Args a{"prog"};
    EXPECT_EQ(fuse_session_new(&a.args, &ops, sizeof ops, nullptr), nullptr) << name << "=" << value;
    unsetenv(name);
    ASSERT_FALSE(g_log.empty());
    EXPECT_NE(g_log.back().find(std::string("invalid ") + name), std::string::npos) << g_log.back();
  }
}

TEST_F(CompatSession, MountOptionsAreAccepted) {
  Args a{"prog", "-o", "allow_other,default_permissions", "-ofsname=src"};
  fuse_lowlevel_ops ops{};
  fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
  ASSERT_NE(se, nullptr);
  EXPECT_TRUE(se->options.mount.allow_other);
  EXPECT_TRUE(se->options.mount.default_permissions);
  EXPECT_EQ(se->options.mount.fsname, "src");
  fuse_session_destroy(se);
}

TEST_F(CompatSession, DebugFlagIsAccepted) {
  for (const char* flag : {"-d", "--debug"}) {
    Args a{"prog", flag};
    fuse_lowlevel_ops ops{};
    fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
    ASSERT_NE(se, nullptr) << flag;
    EXPECT_TRUE(se->options.debug) << flag;
    fuse_session_destroy(se);
  }
}

TEST_F(CompatSession, UserdataIsKept) {
  Args a{"prog"};
  fuse_lowlevel_ops ops{};
  int cookie = 0;
  fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, &cookie);
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->userdata, &cookie);
  fuse_session_destroy(se);
}

void noop_lookup(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, ENOENT); }
void noop_getattr(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, ENOENT); }
void noop_open(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, EACCES); }
void noop_read(fuse_req_t req, fuse_ino_t, size_t, off_t, fuse_file_info*) { fuse_reply_err(req, EIO); }
void noop_syncfs(fuse_req_t req, fuse_ino_t) { fuse_reply_err(req, 0); }

// An older filesystem's table is shorter: the slots past op_size must read as absent.
TEST_F(CompatSession, ShortOpTableLeavesLaterOpsUnset) {
  fuse_lowlevel_ops ops{};
  ops.lookup = noop_lookup;
  ops.getattr = noop_getattr;
  ops.open = noop_open;  // beyond op_size: must not be seen
  ops.read = noop_read;
  ops.syncfs = noop_syncfs;
  Args a{"prog"};
  fuse_session* se = fuse_session_new(&a.args, &ops, offsetof(fuse_lowlevel_ops, open), nullptr);
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->ops.lookup, noop_lookup);
  EXPECT_EQ(se->ops.getattr, noop_getattr);
  EXPECT_EQ(se->ops.open, nullptr);
  EXPECT_EQ(se->ops.read, nullptr);
  EXPECT_EQ(se->ops.syncfs, nullptr);
  auto impl = se->fs->implemented();
  EXPECT_TRUE(impl.has(uringfuse::Operation::lookup));
  EXPECT_TRUE(impl.has(uringfuse::Operation::getattr));
  EXPECT_FALSE(impl.has(uringfuse::Operation::open));
  EXPECT_FALSE(impl.has(uringfuse::Operation::read));
  EXPECT_FALSE(impl.has(uringfuse::Operation::syncfs));
  fuse_session_destroy(se);
}

// A newer filesystem's table is longer: the known part is used, with a warning.
TEST_F(CompatSession, LongerOpTableIsTruncated) {
  std::vector<unsigned char> bigger(sizeof(fuse_lowlevel_ops) + 64, 0);
  fuse_lowlevel_ops ops{};
  ops.syncfs = noop_syncfs;
  std::memcpy(bigger.data(), &ops, sizeof ops);
  Args a{"prog"};
  fuse_session* se = fuse_session_new(&a.args, reinterpret_cast<const fuse_lowlevel_ops*>(bigger.data()),
                                      bigger.size(), nullptr);
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(se->ops.syncfs, noop_syncfs);
  EXPECT_FALSE(g_log.empty());
  fuse_session_destroy(se);
}

TEST_F(CompatSession, ExitFlagWithoutMount) {
  Args a{"prog"};
  fuse_lowlevel_ops ops{};
  fuse_session* se = fuse_session_new(&a.args, &ops, sizeof ops, nullptr);
  ASSERT_NE(se, nullptr);
  EXPECT_EQ(fuse_session_exited(se), 0);
  fuse_session_exit(se);
  EXPECT_EQ(fuse_session_exited(se), 1);
  fuse_session_reset(se);
  EXPECT_EQ(fuse_session_exited(se), 0);
  EXPECT_EQ(fuse_session_fd(se), -1);
  fuse_session_destroy(se);
}

// ---- directory entries --------------------------------------------------------------

std::uint64_t u64_at(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
std::uint32_t u32_at(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

TEST(CompatDirent, SizeQueryWithNullBuffer) {
  struct stat st {};
  st.st_ino = 5;
  st.st_mode = S_IFREG | 0644;
  // 24-byte header + name, rounded up to 8.
  EXPECT_EQ(fuse_add_direntry(nullptr, nullptr, 0, "a", &st, 1), 32u);
  EXPECT_EQ(fuse_add_direntry(nullptr, nullptr, 0, "abc", &st, 1), 32u);
  EXPECT_EQ(fuse_add_direntry(nullptr, nullptr, 0, "12345678", &st, 1), 32u);
  EXPECT_EQ(fuse_add_direntry(nullptr, nullptr, 0, "123456789", &st, 1), 40u);
  EXPECT_EQ(fuse_add_direntry(nullptr, nullptr, 0, std::string(255, 'n').c_str(), &st, 1), 24u + 256u);
  // The plus form has a 152-byte header (entry_out + dirent).
  fuse_entry_param e{};
  e.ino = 5;
  e.attr = st;
  EXPECT_EQ(fuse_add_direntry_plus(nullptr, nullptr, 0, "abc", &e, 1), 160u);
  EXPECT_EQ(fuse_add_direntry_plus(nullptr, nullptr, 0, "123456789", &e, 1), 168u);
}

TEST(CompatDirent, WritesTheKernelRecord) {
  struct stat st {};
  st.st_ino = 0x1234;
  st.st_mode = S_IFDIR | 0755;
  char buf[64];
  std::memset(buf, 0xAA, sizeof buf);
  ASSERT_EQ(fuse_add_direntry(nullptr, buf, sizeof buf, "dir", &st, 7), 32u);
  EXPECT_EQ(u64_at(buf + 0), 0x1234u);               // ino
  EXPECT_EQ(u64_at(buf + 8), 7u);                    // off: cookie of the next entry
  EXPECT_EQ(u32_at(buf + 16), 3u);                   // namelen
  EXPECT_EQ(u32_at(buf + 20), unsigned{S_IFDIR >> 12});  // type
  EXPECT_EQ(std::string(buf + 24, 3), "dir");
  for (int i = 27; i < 32; ++i) EXPECT_EQ(buf[i], 0) << "padding byte " << i;
  EXPECT_EQ(static_cast<unsigned char>(buf[32]), 0xAAu);  // nothing past the record
}

TEST(CompatDirent, TooSmallBufferIsLeftAlone) {
  struct stat st {};
  st.st_ino = 9;
  st.st_mode = S_IFREG;
  char buf[31];
  std::memset(buf, 0xAA, sizeof buf);
  EXPECT_EQ(fuse_add_direntry(nullptr, buf, sizeof buf, "abc", &st, 1), 32u);
  for (unsigned char b : buf) EXPECT_EQ(b, 0xAAu);
}

TEST(CompatDirent, PlusRecordCarriesTheEntry) {
  fuse_entry_param e{};
  e.ino = 42;
  e.generation = 3;
  e.attr.st_ino = 42;
  e.attr.st_mode = S_IFREG | 0600;
  e.attr.st_size = 100;
  e.attr_timeout = 1.0;
  e.entry_timeout = 2.0;
  char buf[256] = {};
  ASSERT_EQ(fuse_add_direntry_plus(nullptr, buf, sizeof buf, "file", &e, 9), 160u);
  EXPECT_EQ(u64_at(buf + 0), 42u);    // entry_out.nodeid
  EXPECT_EQ(u64_at(buf + 8), 3u);     // entry_out.generation
  EXPECT_EQ(u64_at(buf + 16), 2u);    // entry_valid (s)
  EXPECT_EQ(u64_at(buf + 24), 1u);    // attr_valid (s)
  EXPECT_EQ(u64_at(buf + 40), 42u);   // attr.ino
  EXPECT_EQ(u64_at(buf + 48), 100u);  // attr.size
  EXPECT_EQ(u64_at(buf + 128), 42u);  // dirent.ino
  EXPECT_EQ(u64_at(buf + 136), 9u);   // dirent.off
  EXPECT_EQ(u32_at(buf + 144), 4u);   // dirent.namelen
  EXPECT_EQ(u32_at(buf + 148), unsigned{S_IFREG >> 12});
  EXPECT_EQ(std::string(buf + 152, 4), "file");
}

// ---- feature and connection flags ---------------------------------------------------

TEST(CompatFeatureFlags, SetOnlyWhatIsCapable) {
  fuse_conn_info conn{};
  conn.capable_ext = FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_SECURITY_CTX;
  conn.capable = static_cast<std::uint32_t>(conn.capable_ext);

  EXPECT_TRUE(fuse_set_feature_flag(&conn, FUSE_CAP_WRITEBACK_CACHE));
  EXPECT_EQ(conn.want_ext, FUSE_CAP_WRITEBACK_CACHE);
  EXPECT_EQ(conn.want, FUSE_CAP_WRITEBACK_CACHE);  // mirrored into the legacy field

  EXPECT_FALSE(fuse_set_feature_flag(&conn, FUSE_CAP_PASSTHROUGH));  // not offered
  EXPECT_EQ(conn.want_ext, FUSE_CAP_WRITEBACK_CACHE);

  EXPECT_TRUE(fuse_set_feature_flag(&conn, FUSE_CAP_SECURITY_CTX));  // a bit above 31
  EXPECT_EQ(conn.want_ext, FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_SECURITY_CTX);
  EXPECT_EQ(conn.want, FUSE_CAP_WRITEBACK_CACHE);  // the legacy field has only 32 bits
}

TEST(CompatFeatureFlags, UnsetClearsBothFields) {
  fuse_conn_info conn{};
  conn.capable_ext = FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_ALLOW_IDMAP;
  ASSERT_TRUE(fuse_set_feature_flag(&conn, FUSE_CAP_WRITEBACK_CACHE));
  ASSERT_TRUE(fuse_set_feature_flag(&conn, FUSE_CAP_FLOCK_LOCKS));
  ASSERT_TRUE(fuse_set_feature_flag(&conn, FUSE_CAP_ALLOW_IDMAP));
  fuse_unset_feature_flag(&conn, FUSE_CAP_WRITEBACK_CACHE);
  EXPECT_EQ(conn.want_ext, FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_ALLOW_IDMAP);
  EXPECT_EQ(conn.want, FUSE_CAP_FLOCK_LOCKS);
  fuse_unset_feature_flag(&conn, FUSE_CAP_ALLOW_IDMAP);
  EXPECT_EQ(conn.want_ext, FUSE_CAP_FLOCK_LOCKS);
  fuse_unset_feature_flag(&conn, FUSE_CAP_PASSTHROUGH);  // never set: no effect
  EXPECT_EQ(conn.want_ext, FUSE_CAP_FLOCK_LOCKS);
}

// libfuse's fuse_get_feature_flag reports what the kernel offers (capable_ext), not
// what is wanted; ported filesystems rely on that to probe.
TEST(CompatFeatureFlags, GetReportsCapability) {
  fuse_conn_info conn{};
  conn.capable_ext = FUSE_CAP_PASSTHROUGH | FUSE_CAP_SECURITY_CTX;
  EXPECT_TRUE(fuse_get_feature_flag(&conn, FUSE_CAP_PASSTHROUGH));
  EXPECT_TRUE(fuse_get_feature_flag(&conn, FUSE_CAP_SECURITY_CTX));
  EXPECT_FALSE(fuse_get_feature_flag(&conn, FUSE_CAP_WRITEBACK_CACHE));
  conn.want_ext = FUSE_CAP_WRITEBACK_CACHE;
  EXPECT_FALSE(fuse_get_feature_flag(&conn, FUSE_CAP_WRITEBACK_CACHE));
}

TEST(CompatFeatureFlags, ConnFlagsAreLocalHints) {
  fuse_conn_info conn{};
  EXPECT_TRUE(fuse_set_conn_flag(&conn, FUSE_CONN_FLAG_SINGLE_ISSUER));
  EXPECT_EQ(static_cast<unsigned>(conn.io_uring_single_issuer), 1u);
  EXPECT_EQ(static_cast<unsigned>(conn.no_interrupt), 0u);
  EXPECT_TRUE(fuse_set_conn_flag(&conn, FUSE_CONN_FLAG_NO_INTERRUPT));
  EXPECT_EQ(static_cast<unsigned>(conn.no_interrupt), 1u);
  EXPECT_FALSE(fuse_set_conn_flag(&conn, 1u << 5));
  EXPECT_EQ(conn.want_ext, 0u);  // nothing negotiated
}

// ---- loop configuration -------------------------------------------------------------

TEST(CompatLoopCfg, DefaultsAndSetters) {
  fuse_loop_config* cfg = fuse_loop_cfg_create();
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ(cfg->clone_fd, 0);
  EXPECT_EQ(cfg->max_threads, 10u);
  EXPECT_EQ(cfg->max_idle_threads, UINT_MAX);
  fuse_loop_cfg_set_clone_fd(cfg, 1);
  fuse_loop_cfg_set_max_threads(cfg, 4);
  fuse_loop_cfg_set_idle_threads(cfg, 2);
  EXPECT_EQ(cfg->clone_fd, 1);
  EXPECT_EQ(cfg->max_threads, 4u);
  EXPECT_EQ(cfg->max_idle_threads, 2u);
  fuse_loop_cfg_destroy(cfg);
}

TEST(CompatLoopCfg, ConvertTakesTheV1Fields) {
  fuse_loop_config* cfg = fuse_loop_cfg_create();
  ASSERT_NE(cfg, nullptr);
  fuse_loop_cfg_set_max_threads(cfg, 7);
  fuse_loop_config_v1 v1{1, 3};
  fuse_loop_cfg_convert(cfg, &v1);
  EXPECT_EQ(cfg->clone_fd, 1);
  EXPECT_EQ(cfg->max_idle_threads, 3u);
  EXPECT_EQ(cfg->max_threads, 7u);  // v1 has no such field
  fuse_loop_cfg_destroy(cfg);
}

// ---- data buffers -------------------------------------------------------------------

// A vector of n buffers (fuse_bufvec declares one; libfuse users allocate the rest).
struct BufVec {
  explicit BufVec(std::size_t n) : storage(words(sizeof(fuse_bufvec) + (n - 1) * sizeof(fuse_buf))) {
    std::memset(storage.data(), 0, storage.size() * sizeof(std::max_align_t));  // padding too
    v = reinterpret_cast<fuse_bufvec*>(storage.data());
    v->count = n;
    v->idx = 0;
    v->off = 0;
    for (std::size_t i = 0; i < n; ++i) v->buf[i] = fuse_buf{0, fuse_buf_flags(0), nullptr, -1, 0, 0};
  }
  static std::size_t words(std::size_t bytes) { return (bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t); }
  std::vector<std::max_align_t> storage;
  fuse_bufvec* v;
};

// RAII file descriptor for pipes and temporary files.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

TEST(CompatBuf, InitMacroAndSize) {
  fuse_bufvec one = FUSE_BUFVEC_INIT(123);
  EXPECT_EQ(one.count, 1u);
  EXPECT_EQ(one.idx, 0u);
  EXPECT_EQ(one.off, 0u);
  EXPECT_EQ(one.buf[0].size, 123u);
  EXPECT_EQ(static_cast<int>(one.buf[0].flags), 0);
  EXPECT_EQ(one.buf[0].mem, nullptr);
  EXPECT_EQ(one.buf[0].fd, -1);
  EXPECT_EQ(one.buf[0].pos, 0);
  EXPECT_EQ(fuse_buf_size(&one), 123u);

  BufVec three(3);
  three.v->buf[0].size = 10;
  three.v->buf[1].size = 0;
  three.v->buf[2].size = 7;
  EXPECT_EQ(fuse_buf_size(three.v), 17u);
}

TEST(CompatBuf, MemoryToMemory) {
  char src_mem[] = "hello world";
  char dst_mem[32] = {};
  fuse_bufvec src = FUSE_BUFVEC_INIT(11);
  src.buf[0].mem = src_mem;
  fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof dst_mem);
  dst.buf[0].mem = dst_mem;
  EXPECT_EQ(fuse_buf_copy(&dst, &src, fuse_buf_copy_flags(0)), 11);
  EXPECT_STREQ(dst_mem, "hello world");
}

TEST(CompatBuf, ScatterGatherAcrossBuffers) {
  char a[] = "abc", b[] = "defgh";
  BufVec src(2);
  src.v->buf[0].mem = a;
  src.v->buf[0].size = 3;
  src.v->buf[1].mem = b;
  src.v->buf[1].size = 5;
  char x[4] = {}, y[8] = {};
  BufVec dst(2);
  dst.v->buf[0].mem = x;
  dst.v->buf[0].size = 4;
  dst.v->buf[1].mem = y;
  dst.v->buf[1].size = 8;
  EXPECT_EQ(fuse_buf_copy(dst.v, src.v, fuse_buf_copy_flags(0)), 8);
  EXPECT_EQ(std::string(x, 4), "abcd");
  EXPECT_EQ(std::string(y, 4), "efgh");
}

// A short destination takes what fits; the vectors advance, so a second copy goes on.
TEST(CompatBuf, PartialCopyAdvancesTheVectors) {
  char src_mem[] = "0123456789";
  fuse_bufvec src = FUSE_BUFVEC_INIT(10);
  src.buf[0].mem = src_mem;
  char first[4], second[16] = {};
  fuse_bufvec dst1 = FUSE_BUFVEC_INIT(sizeof first);
  dst1.buf[0].mem = first;
  ASSERT_EQ(fuse_buf_copy(&dst1, &src, fuse_buf_copy_flags(0)), 4);
  EXPECT_EQ(std::string(first, 4), "0123");
  fuse_bufvec dst2 = FUSE_BUFVEC_INIT(sizeof second);
  dst2.buf[0].mem = second;
  ASSERT_EQ(fuse_buf_copy(&dst2, &src, fuse_buf_copy_flags(0)), 6);
  EXPECT_EQ(std::string(second, 6), "456789");
}

TEST(CompatBuf, PipeToMemory) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  Fd rd{p[0]}, wr{p[1]};
  ASSERT_EQ(::write(wr.fd, "abc", 3), 3);
  ::close(wr.fd);
  wr.fd = -1;
  char dst_mem[16] = {};
  fuse_bufvec src = FUSE_BUFVEC_INIT(10);  // asks for more than the pipe holds
  src.buf[0].flags = FUSE_BUF_IS_FD;
  src.buf[0].fd = rd.fd;
  fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof dst_mem);
  dst.buf[0].mem = dst_mem;
  EXPECT_EQ(fuse_buf_copy(&dst, &src, fuse_buf_copy_flags(0)), 3);
  EXPECT_EQ(std::string(dst_mem), "abc");
}

TEST(CompatBuf, FileAtOffsetToMemoryAndBack) {
  FILE* tmp = std::tmpfile();
  ASSERT_NE(tmp, nullptr);
  Fd f{::dup(fileno(tmp))};
  std::fclose(tmp);
  ASSERT_GE(f.fd, 0);
  ASSERT_EQ(::pwrite(f.fd, "0123456789", 10, 0), 10);

  char dst_mem[16] = {};
  fuse_bufvec src = FUSE_BUFVEC_INIT(6);
  src.buf[0].flags = fuse_buf_flags(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  src.buf[0].fd = f.fd;
  src.buf[0].pos = 4;
  fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof dst_mem);
  dst.buf[0].mem = dst_mem;
  EXPECT_EQ(fuse_buf_copy(&dst, &src, fuse_buf_copy_flags(0)), 6);
  EXPECT_EQ(std::string(dst_mem), "456789");
  EXPECT_EQ(::lseek(f.fd, 0, SEEK_CUR), 0);  // positioned I/O leaves the offset alone

  char patch[] = "XY";
  fuse_bufvec from = FUSE_BUFVEC_INIT(2);
  from.buf[0].mem = patch;
  fuse_bufvec to = FUSE_BUFVEC_INIT(2);
  to.buf[0].flags = fuse_buf_flags(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  to.buf[0].fd = f.fd;
  to.buf[0].pos = 2;
  EXPECT_EQ(fuse_buf_copy(&to, &from, fuse_buf_copy_flags(0)), 2);
  char back[11] = {};
  ASSERT_EQ(::pread(f.fd, back, 10, 0), 10);
  EXPECT_EQ(std::string(back), "01XY456789");
}

}  // namespace
