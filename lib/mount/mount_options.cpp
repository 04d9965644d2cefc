// The "-o" mount options: parsing them into MountOptions, and rendering
// MountOptions back out as mount(2) flags/data or as fusermount3's "-o"
// string. Option names and defaults follow libfuse so command lines carry over.
#include <sys/mount.h>

#include <array>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mount_internal.hpp"

namespace uringfuse::detail {
namespace {

// libfuse mounts nosuid,nodev unless told otherwise; so do we.
constexpr unsigned long kDefaultFlags = MS_NOSUID | MS_NODEV;

struct FlagOption {
  std::string_view name;
  unsigned long flag;
  bool sets;  // true: "noexec"-style turns the flag on; false: "exec"-style turns it off
};

constexpr std::array<FlagOption, 21> kFlagOptions{{
    {"nosuid", MS_NOSUID, true},         {"suid", MS_NOSUID, false},
    {"nodev", MS_NODEV, true},           {"dev", MS_NODEV, false},
    {"noexec", MS_NOEXEC, true},         {"exec", MS_NOEXEC, false},
    {"sync", MS_SYNCHRONOUS, true},      {"async", MS_SYNCHRONOUS, false},
    {"dirsync", MS_DIRSYNC, true},
    {"noatime", MS_NOATIME, true},       {"atime", MS_NOATIME, false},
    {"nodiratime", MS_NODIRATIME, true}, {"diratime", MS_NODIRATIME, false},
    {"relatime", MS_RELATIME, true},     {"norelatime", MS_RELATIME, false},
    {"strictatime", MS_STRICTATIME, true}, {"nostrictatime", MS_STRICTATIME, false},
    {"lazytime", MS_LAZYTIME, true},     {"nolazytime", MS_LAZYTIME, false},
    {"nosymfollow", MS_NOSYMFOLLOW, true}, {"symfollow", MS_NOSYMFOLLOW, false},
}};

// Flags fusermount3 (3.x) understands by name. Anything else makes it exit
// with "unknown option", so we refuse such flags up front with a clear reason.
struct FusermountFlag {
  unsigned long flag;
  std::string_view on_name;   // passed when the flag is set
  std::string_view off_name;  // passed when the flag was cleared explicitly ("" = default anyway)
};
constexpr std::array<FusermountFlag, 6> kFusermountFlags{{
    {MS_NOSUID, "nosuid", "suid"},
    {MS_NODEV, "nodev", "dev"},
    {MS_NOEXEC, "noexec", ""},
    {MS_SYNCHRONOUS, "sync", ""},
    {MS_DIRSYNC, "dirsync", ""},
    {MS_NOATIME, "noatime", ""},
}};

[[noreturn]] void bad_option(std::string_view opt, std::string_view why) {
  std::string msg = "uringfuse: invalid mount option '";
  msg += opt;
  msg += "': ";
  msg += why;
  throw std::invalid_argument(one_line(msg));
}

uint32_t parse_u32(std::string_view opt, std::string_view value) {
  uint32_t out = 0;
  // from_chars alone would accept "12abc" as 12; insist on digits only.
  if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos)
    bad_option(opt, "expected a non-negative decimal number");
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec == std::errc::result_out_of_range)
    bad_option(opt, "number too large");
  if (ec != std::errc() || end != value.data() + value.size())
    bad_option(opt, "expected a non-negative decimal number");
  return out;
}

// fusermount3 splits its -o string on commas; inside fsname=/subtype= values
// it honours backslash escapes, so commas in names survive the trip.
std::string escape_for_fusermount(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == ',' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void append_opt(std::string& list, std::string_view opt) {
  if (!list.empty()) list += ',';
  list += opt;
}

}  // namespace

bool apply_mount_option(MountOptions& mo, std::string_view opt) {
  if (opt.empty()) return false;
  const auto eq = opt.find('=');
  const std::string_view name = opt.substr(0, eq);
  const bool has_value = eq != std::string_view::npos;
  const std::string_view value = has_value ? opt.substr(eq + 1) : std::string_view{};

  auto no_value = [&] {
    if (has_value) bad_option(opt, std::string(name) + " takes no value");
  };
  auto need_value = [&](std::string_view what) {
    if (!has_value || value.empty())
      bad_option(opt, std::string("expected ") + std::string(name) + "=" + std::string(what));
  };

  // Options for other programs in an fstab line (x-systemd.automount,
  // x-gvfs-notrash): libfuse accepts and ignores them, so a filesystem mounted
  // from fstab does not fail on them.
  if (name.starts_with("x-")) return true;
  if (name == "ro" || name == "rw") {
    no_value();
    mo.read_only = (name == "ro");
    // read_only is the single source of truth for MS_RDONLY; drop stale bits.
    mo.extra_flags &= ~static_cast<unsigned long>(MS_RDONLY);
    mo.clear_flags &= ~static_cast<unsigned long>(MS_RDONLY);
    return true;
  }
  if (name == "allow_other" || name == "allow_root") {
    no_value();
    const bool other = (name == "allow_other");
    // Same rule as libfuse: the two ask for contradictory access policies.
    if (other ? mo.allow_root : mo.allow_other)
      bad_option(opt, "'allow_other' and 'allow_root' are mutually exclusive");
    (other ? mo.allow_other : mo.allow_root) = true;
    return true;
  }
  if (name == "default_permissions") {
    no_value();
    mo.default_permissions = true;
    return true;
  }
  if (name == "auto_unmount") {
    no_value();
    mo.auto_unmount = true;
    return true;
  }
  if (name == "fsname") {
    need_value("<name>");
    mo.fsname = std::string(value);
    return true;
  }
  if (name == "subtype") {
    need_value("<type>");
    mo.subtype = std::string(value);
    return true;
  }
  if (name == "max_read") {
    need_value("<bytes>");
    mo.max_read = parse_u32(opt, value);
    return true;
  }
  if (name == "blksize") {
    need_value("<bytes>");
    const uint32_t v = parse_u32(opt, value);
    // The kernel wants a power of two; catch typos here rather than as EINVAL.
    if (v < 512 || (v & (v - 1)) != 0) bad_option(opt, "expected a power of two >= 512");
    mo.blksize = v;
    return true;
  }
  for (const FlagOption& f : kFlagOptions) {
    if (name != f.name) continue;
    no_value();
    if (f.sets) {
      mo.extra_flags |= f.flag;
      mo.clear_flags &= ~f.flag;
    } else {
      mo.clear_flags |= f.flag;
      mo.extra_flags &= ~f.flag;
    }
    return true;
  }
  return false;
}

unsigned long effective_mount_flags(const MountOptions& opts) {
  unsigned long flags = (kDefaultFlags | opts.extra_flags) & ~opts.clear_flags;
  if (opts.read_only) flags |= MS_RDONLY;  // "ro" wins even over a stray MS_RDONLY in clear_flags
  return flags;
}

std::string mount_source(const MountOptions& opts) {
  if (!opts.fsname.empty()) return opts.fsname;
  std::string_view prog = opts.program;
  if (auto slash = prog.rfind('/'); slash != std::string_view::npos) prog.remove_prefix(slash + 1);
  if (!prog.empty()) return std::string(prog);
  if (!opts.subtype.empty()) return opts.subtype;
  return "uringfuse";
}

std::string mount_fstype(const MountOptions& opts) {
  return opts.subtype.empty() ? std::string("fuse") : "fuse." + opts.subtype;
}

std::string kernel_mount_data(const MountOptions& opts, int dev_fd, mode_t rootmode,
                              uid_t uid, gid_t gid) {
  char octal[16];
  auto [end, ec] = std::to_chars(octal, octal + sizeof octal, static_cast<unsigned>(rootmode), 8);
  (void)ec;  // 16 chars always fit a mode_t in octal

  std::string data = "fd=" + std::to_string(dev_fd);
  data += ",rootmode=";
  data.append(octal, end);
  data += ",user_id=" + std::to_string(uid);
  data += ",group_id=" + std::to_string(gid);
  // allow_root is enforced by the library; the kernel only knows allow_other.
  if (opts.allow_other || opts.allow_root) data += ",allow_other";
  if (opts.default_permissions) data += ",default_permissions";
  if (opts.max_read) data += ",max_read=" + std::to_string(*opts.max_read);
  if (opts.blksize) data += ",blksize=" + std::to_string(*opts.blksize);
  return data;
}

std::string fusermount_option_string(const MountOptions& opts, std::string_view display_path) {
  std::string list;
  const unsigned long flags = effective_mount_flags(opts);
  append_opt(list, (flags & MS_RDONLY) ? "ro" : "rw");

  unsigned long expressible = MS_RDONLY;
  for (const FusermountFlag& f : kFusermountFlags) {
    expressible |= f.flag;
    if (flags & f.flag) {
      append_opt(list, f.on_name);
    } else if (!f.off_name.empty()) {
      append_opt(list, f.off_name);
    }
  }
  if (unsigned long extra = flags & ~expressible; extra != 0) {
    std::string names;
    for (const FlagOption& f : kFlagOptions)
      if (f.sets && (extra & f.flag)) append_opt(names, f.name);
    if (names.empty()) {
      char hex[32];
      auto [e, ec] = std::to_chars(hex, hex + sizeof hex, extra, 16);
      (void)ec;  // always fits
      names = "with flags 0x" + std::string(hex, e);
    }
    throw_mount_error("mountpoint " + std::string(display_path),
                      "mount option(s) " + names + " not supported by fusermount3");
  }

  append_opt(list, "fsname=" + escape_for_fusermount(mount_source(opts)));
  if (!opts.subtype.empty()) append_opt(list, "subtype=" + escape_for_fusermount(opts.subtype));
  if (opts.allow_other || opts.allow_root) append_opt(list, "allow_other");
  if (opts.default_permissions) append_opt(list, "default_permissions");
  if (opts.max_read) append_opt(list, "max_read=" + std::to_string(*opts.max_read));
  if (opts.blksize) append_opt(list, "blksize=" + std::to_string(*opts.blksize));
  if (opts.auto_unmount) append_opt(list, "auto_unmount");
  return list;
}

void validate_mount_options(const MountOptions& opts, std::string_view display_path) {
  if (opts.mountpoint.empty()) throw MountError("uringfuse: no mountpoint specified");
  const std::string what = "mountpoint " + std::string(display_path);
  if (opts.allow_other && opts.allow_root)
    throw_mount_error(what, "options 'allow_other' and 'allow_root' are mutually exclusive");
  if (opts.subtype.find_first_of(std::string_view("\0 \t\n", 4)) != std::string::npos)
    throw_mount_error(what, "subtype must not contain whitespace or NUL");
  if (opts.fsname.find('\0') != std::string::npos)
    throw_mount_error(what, "fsname must not contain NUL");
  // The kernel rejects blksize= with EINVAL unless the mount is fuseblk
  // (block-device backed), which we never create; say so plainly up front.
  if (opts.blksize)
    throw_mount_error(what, "option blksize= is only supported for block-device (fuseblk) mounts");
}

}  // namespace uringfuse::detail
