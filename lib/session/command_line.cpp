// libfuse-compatible argument parsing. Session options are tried first, then mount
// options, then the program's own; whatever nobody takes is an error naming it.
#include "uringfuse/command_line.hpp"

#include <charconv>
#include <cstring>

#include "mount/mount.hpp"
#include "session/option_list.hpp"

namespace uringfuse {
namespace {

std::string_view basename_of(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}


// -o items the session itself understands.
bool apply_session_option(SessionOptions& s, std::string_view opt) {
  auto value_of = [&](std::string_view key) -> std::optional<std::string_view> {
    if (opt.size() > key.size() && opt.substr(0, key.size()) == key) return opt.substr(key.size());
    return std::nullopt;
  };
  if (opt == "debug") {
    s.debug = true;
    s.foreground = true;
  } else if (opt == "clone_fd") {
    s.clone_fd = true;
  } else if (auto v = value_of("max_threads=")) {
    s.max_threads = detail::parse_count(opt, *v);
  } else if (auto v2 = value_of("max_idle_threads=")) {
    s.max_idle_threads = detail::parse_count(opt, *v2);
  } else {
    return detail::apply_io_uring_option(s, opt);
  }
  return true;
}

void apply_o_item(CommandLine& cl, const CommandLineSpec& spec, std::string_view item) {
  if (item.empty()) return;
  if (apply_session_option(cl.session, item)) return;
  try {
    if (detail::apply_mount_option(cl.session.mount, item)) return;
  } catch (const std::invalid_argument& e) {
    throw CommandLineError(e.what());
  }
  if (spec.option_handler && spec.option_handler(item)) return;
  throw CommandLineError("unknown option '-o " + std::string(item) + "'");
}

void apply_flag(CommandLine& cl, const CommandLineSpec& spec, std::string_view arg) {
  if (arg == "-h" || arg == "--help") {
    cl.show_help = true;
  } else if (arg == "-V" || arg == "--version") {
    cl.show_version = true;
  } else if (arg == "-d" || arg == "--debug") {
    cl.session.debug = true;
    cl.session.foreground = true;
  } else if (arg == "-f" || arg == "--foreground") {
    cl.session.foreground = true;
  } else if (arg == "-s" || arg == "--single-thread") {
    cl.session.single_thread = true;
  } else if (arg.substr(0, 2) == "--" && spec.option_handler && spec.option_handler(arg)) {
    // the program's own option
  } else {
    throw CommandLineError("unknown option '" + std::string(arg) + "'");
  }
}

}  // namespace

namespace detail {

unsigned parse_count(std::string_view option, std::string_view value, unsigned least) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < least)
    throw CommandLineError("invalid value in option '" + std::string(option) + "' (expected a " +
                           (least == 0 ? "whole" : "positive") + " number)");
  return n;
}

std::vector<std::string> split_option_list(std::string_view list) {
  std::vector<std::string> items(1);
  for (std::size_t i = 0; i < list.size(); ++i) {
    char c = list[i];
    if (c == '\\' && i + 1 < list.size()) {
      items.back() += list[++i];
    } else if (c == ',') {
      items.emplace_back();
    } else {
      items.back() += c;
    }
  }
  return items;
}

bool apply_io_uring_option(SessionOptions& s, std::string_view opt) {
  auto value_of = [&](std::string_view key) -> std::optional<std::string_view> {
    if (opt.size() > key.size() && opt.substr(0, key.size()) == key) return opt.substr(key.size());
    return std::nullopt;
  };
  if (opt == "io_uring") {
    s.io_uring = true;
  } else if (auto depth = value_of("io_uring_q_depth=")) {
    s.io_uring_q_depth = parse_count(opt, *depth);
  } else if (auto threads = value_of("io_uring_threads=")) {
    s.io_uring_threads = parse_count(opt, *threads);
  } else if (opt == "io_uring_nopin") {
    s.io_uring_pin = false;
  } else if (auto spin = value_of("io_uring_spin=")) {
    s.io_uring_spin_us = parse_count(opt, *spin, 0);
  } else {
    return false;
  }
  return true;
}

}  // namespace detail

CommandLine parse_command_line(int argc, const char* const* argv, const CommandLineSpec& spec) {
  CommandLine cl;
  cl.session.mount.program = argc > 0 && argv[0] ? std::string(basename_of(argv[0])) : "uringfuse";
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
      cl.positionals.emplace_back(arg);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg == "-o") {
      if (++i >= argc) throw CommandLineError("option '-o' needs an argument");
      for (const auto& item : detail::split_option_list(argv[i])) apply_o_item(cl, spec, item);
    } else if (arg.substr(0, 2) == "-o") {
      for (const auto& item : detail::split_option_list(arg.substr(2))) apply_o_item(cl, spec, item);
    } else {
      apply_flag(cl, spec, arg);
    }
  }
  if (cl.show_help || cl.show_version) return cl;
  const auto& want = spec.positionals;
  if (cl.positionals.size() < want.size())
    throw CommandLineError("missing <" + want[cl.positionals.size()] + "> argument");
  if (cl.positionals.size() > want.size())
    throw CommandLineError("unexpected argument '" + cl.positionals[want.size()] + "'");
  if (!want.empty()) cl.session.mount.mountpoint = cl.positionals.back();
  // libfuse's default: without fsname= or subtype=, the mount's type is
  // fuse.<program> (what /proc/mounts, df -T and findmnt show).
  auto& mount = cl.session.mount;
  if (mount.subtype.empty() && mount.fsname.empty()) mount.subtype = mount.program;
  if (spec.positionals_handler) spec.positionals_handler(cl.positionals);
  return cl;
}

std::string command_line_help(std::string_view program, const CommandLineSpec& spec) {
  std::string usage = "usage: " + std::string(program) + " [options]";
  for (const auto& p : spec.positionals) usage += " <" + p + ">";
  usage += R"(

Options:
    -h, --help             print this help and exit
    -V, --version          print the version and exit
    -d, --debug, -o debug  log every request and reply (implies -f)
    -f, --foreground       stay in the foreground
    -s, --single-thread    serve requests from a single thread
    -o max_threads=N       most worker threads (default 10)
    -o max_idle_threads=N  idle workers kept (default 10)
    -o clone_fd            each worker reads its own cloned /dev/fuse fd
    -o io_uring            serve requests over FUSE-over-io_uring when the kernel offers it
    -o io_uring_q_depth=N  ring entries per queue (default 16)
    -o io_uring_threads=N  threads serving the rings (default: one per CPU queue)
    -o io_uring_nopin      do not pin ring threads to their CPUs
    -o io_uring_spin=USEC  look for the next request this long before sleeping (default 50)

Mount options (-o):
    allow_other            let other users access the mount
    allow_root             let root access the mount
    default_permissions    let the kernel check permissions
    ro, rw                 read-only / read-write
    fsname=NAME            the source name shown in /proc/mounts
    subtype=NAME           shown as fuse.NAME (default: the program's name)
    auto_unmount           unmount when the daemon dies
    max_read=N             largest read request
    blksize=N              block size (fuseblk only)
    nosuid, nodev, noexec, noatime, nodiratime, sync, dirsync, suid, dev, exec, atime
    x-*                    options for other programs in an fstab line: ignored
)";
  if (!spec.extra_help.empty()) usage += "\n" + spec.extra_help;
  return usage;
}

}  // namespace uringfuse
