// libfuse-style command lines: flags, -o lists with escapes, mount options, the
// program's own options, and one-line errors that name the culprit.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "uringfuse/command_line.hpp"

namespace uringfuse {
namespace {

CommandLine parse(std::vector<const char*> args, const CommandLineSpec& spec = {}) {
  args.insert(args.begin(), "/usr/bin/myfs");
  return parse_command_line(static_cast<int>(args.size()), args.data(), spec);
}

std::string error_of(std::vector<const char*> args, const CommandLineSpec& spec = {}) {
  try {
    parse(std::move(args), spec);
  } catch (const CommandLineError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CommandLine, Defaults) {
  auto cl = parse({"/mnt/x"});
  EXPECT_EQ(cl.session.mount.mountpoint, "/mnt/x");
  EXPECT_EQ(cl.session.mount.program, "myfs");
  EXPECT_FALSE(cl.session.debug);
  EXPECT_FALSE(cl.session.foreground);
  EXPECT_FALSE(cl.session.single_thread);
  EXPECT_EQ(cl.session.max_threads, 10u);
  EXPECT_FALSE(cl.session.clone_fd);
}

TEST(CommandLine, Flags) {
  auto cl = parse({"-d", "-s", "/m"});
  EXPECT_TRUE(cl.session.debug);
  EXPECT_TRUE(cl.session.foreground);  // -d implies -f
  EXPECT_TRUE(cl.session.single_thread);
  EXPECT_TRUE(parse({"-f", "/m"}).session.foreground);
  EXPECT_TRUE(parse({"-h"}).show_help);
  EXPECT_TRUE(parse({"--version"}).show_version);
}

TEST(CommandLine, SessionAndMountOptions) {
  auto cl = parse({"-o", "max_threads=4,clone_fd", "-oallow_other,default_permissions", "-o",
                   "fsname=src\\,1,subtype=myfs,ro,max_read=65536,noexec", "/m"});
  EXPECT_EQ(cl.session.max_threads, 4u);
  EXPECT_TRUE(cl.session.clone_fd);
  EXPECT_TRUE(cl.session.mount.allow_other);
  EXPECT_TRUE(cl.session.mount.default_permissions);
  EXPECT_EQ(cl.session.mount.fsname, "src,1");
  EXPECT_EQ(cl.session.mount.subtype, "myfs");
  EXPECT_TRUE(cl.session.mount.read_only);
  EXPECT_EQ(cl.session.mount.max_read, 65536u);
  EXPECT_TRUE(cl.session.mount.extra_flags & MS_NOEXEC);
}

TEST(CommandLine, ProgramOptionsAndPositionals) {
  std::string timeout;
  bool direct = false;
  CommandLineSpec spec;
  spec.positionals = {"source", "mountpoint"};
  spec.option_handler = [&](std::string_view o) {
    if (o.substr(0, 10) == "--timeout=") {
      timeout = std::string(o.substr(10));
      return true;
    }
    if (o == "--direct-io" || o == "direct_io") return direct = true;
    return false;
  };
  auto cl = parse({"--timeout=5", "/src", "-o", "direct_io", "/mnt"}, spec);
  EXPECT_EQ(timeout, "5");
  EXPECT_TRUE(direct);
  ASSERT_EQ(cl.positionals.size(), 2u);
  EXPECT_EQ(cl.positionals[0], "/src");
  EXPECT_EQ(cl.session.mount.mountpoint, "/mnt");
  EXPECT_EQ(error_of({"/mnt"}, spec), "missing <mountpoint> argument");
}

TEST(CommandLine, ErrorsNameTheOption) {
  EXPECT_EQ(error_of({"-o", "bogus", "/m"}), "unknown option '-o bogus'");
  EXPECT_EQ(error_of({"-x", "/m"}), "unknown option '-x'");
  EXPECT_EQ(error_of({"--frobnicate", "/m"}), "unknown option '--frobnicate'");
  EXPECT_EQ(error_of({"-o", "max_threads=abc", "/m"}),
            "invalid value in option 'max_threads=abc' (expected a positive number)");
  EXPECT_EQ(error_of({"-o", "max_threads=0", "/m"}),
            "invalid value in option 'max_threads=0' (expected a positive number)");
  EXPECT_NE(error_of({"-o", "max_read=xyz", "/m"}).find("max_read=xyz"), std::string::npos);
  EXPECT_EQ(error_of({}), "missing <mountpoint> argument");
  EXPECT_EQ(error_of({"/a", "/b"}), "unexpected argument '/b'");
  EXPECT_EQ(error_of({"/a", "-o"}), "option '-o' needs an argument");
}

TEST(CommandLine, IoUringOptions) {
  auto defaults = parse({"/m"});
  EXPECT_FALSE(defaults.session.io_uring);
  EXPECT_EQ(defaults.session.io_uring_q_depth, 16u);
  EXPECT_EQ(defaults.session.io_uring_spin_us, 50u);
  auto cl = parse({"-o", "io_uring,io_uring_q_depth=16,io_uring_threads=1,io_uring_nopin,io_uring_spin=0", "/m"});
  EXPECT_TRUE(cl.session.io_uring);
  EXPECT_EQ(cl.session.io_uring_q_depth, 16u);
  EXPECT_EQ(cl.session.io_uring_threads, 1u);
  EXPECT_FALSE(cl.session.io_uring_pin);
  EXPECT_EQ(cl.session.io_uring_spin_us, 0u);  // 0 is allowed here: sleep at once
  EXPECT_NE(error_of({"-o", "io_uring_spin=soon", "/m"}).find("io_uring_spin=soon"), std::string::npos);
  EXPECT_NE(error_of({"-o", "io_uring_q_depth=0", "/m"}).find("positive"), std::string::npos);
}

TEST(CommandLine, DoubleDashEndsOptions) {
  auto cl = parse({"--", "-weird-mountpoint"});
  EXPECT_EQ(cl.session.mount.mountpoint, "-weird-mountpoint");
}

TEST(CommandLine, HelpListsOptions) {
  CommandLineSpec spec;
  spec.positionals = {"source", "mountpoint"};
  spec.extra_help = "    --timeout=SECS   cache timeout\n";
  auto help = command_line_help("myfs", spec);
  EXPECT_NE(help.find("usage: myfs [options] <source> <mountpoint>"), std::string::npos);
  EXPECT_NE(help.find("max_threads"), std::string::npos);
  EXPECT_NE(help.find("--timeout=SECS"), std::string::npos);
  // The long forms parse_command_line takes are listed too.
  for (const char* flag : {"--foreground", "--debug", "--single-thread", "--help", "--version"})
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
}

// As libfuse: the type is fuse.<program> unless fsname= or subtype= says otherwise.
TEST(CommandLine, DefaultSubtypeIsTheProgram) {
  EXPECT_EQ(parse({"/m"}).session.mount.subtype, "myfs");
  EXPECT_EQ(parse({"-o", "subtype=other", "/m"}).session.mount.subtype, "other");
  EXPECT_EQ(parse({"-o", "fsname=src", "/m"}).session.mount.subtype, "");
}

// fstab options meant for other programs (systemd, gvfs) are ignored, as libfuse does.
TEST(CommandLine, OptionsForOtherProgramsAreIgnored) {
  auto cl = parse({"-o", "x-systemd.automount,x-gvfs-notrash,ro", "/m"});
  EXPECT_TRUE(cl.session.mount.read_only);
  EXPECT_EQ(error_of({"-o", "y-not-ours", "/m"}), "unknown option '-o y-not-ours'");
}

}  // namespace
}  // namespace uringfuse
