// Checks done before mounting (the mountpoint exists, is a directory, has no
// FUSE filesystem on it already; /dev/fuse exists) and the
// /proc/self/mountinfo reader used for those checks and to recognise our mount.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "mount_internal.hpp"

namespace uringfuse::detail {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
std::string unescape_mountinfo(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const char a = field[i + 1], b = field[i + 2], c = field[i + 3];
      if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
        out += static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0'));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t end = line.find(' ', pos);
    const size_t stop = end == std::string_view::npos ? line.size() : end;
    if (stop > pos) fields.push_back(line.substr(pos, stop - pos));
    pos = stop + 1;
  }
  return fields;
}

bool parse_int(std::string_view s, long long& out) {
  if (s.empty()) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
    if (out > INT_MAX) return false;
  }
  return true;
}

// One line: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts"
std::optional<MountInfoEntry> parse_mountinfo_line(std::string_view line) {
  const auto f = split_spaces(line);
  if (f.size() < 7) return std::nullopt;
  size_t dash = 6;  // optional fields end at a lone "-"
  while (dash < f.size() && f[dash] != "-") ++dash;
  if (dash + 1 >= f.size()) return std::nullopt;  // no fstype

  MountInfoEntry e;
  long long id = 0, parent = 0, maj = 0, min = 0;
  const auto colon = f[2].find(':');
  if (!parse_int(f[0], id) || !parse_int(f[1], parent) || colon == std::string_view::npos ||
      !parse_int(f[2].substr(0, colon), maj) || !parse_int(f[2].substr(colon + 1), min))
    return std::nullopt;
  e.mount_id = static_cast<int>(id);
  e.parent_id = static_cast<int>(parent);
  e.major = static_cast<unsigned>(maj);
  e.minor = static_cast<unsigned>(min);
  e.mount_point = unescape_mountinfo(f[4]);
  e.fstype = unescape_mountinfo(f[dash + 1]);
  if (dash + 2 < f.size()) e.source = unescape_mountinfo(f[dash + 2]);
  return e;
}

// The canonical path of an O_PATH fd, without stat()ing anything: a hung
// FUSE mount on the path must not hang us before we notice it.
std::optional<std::string> fd_path(int fd) {
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  std::string buf(PATH_MAX, '\0');
  const ssize_t n = readlink(link.c_str(), buf.data(), buf.size());
  if (n <= 0 || static_cast<size_t>(n) >= buf.size() || buf[0] != '/') return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

std::optional<std::vector<MountInfoEntry>> read_mountinfo() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return std::nullopt;
  std::vector<MountInfoEntry> table;
  std::string line;
  while (std::getline(in, line)) {
    if (auto e = parse_mountinfo_line(line)) table.push_back(std::move(*e));
  }
  if (in.bad()) return std::nullopt;
  return table;
}

bool is_fuse_fstype(std::string_view fstype) {
  return fstype == "fuse" || fstype == "fuseblk" || fstype.starts_with("fuse.") ||
         fstype.starts_with("fuseblk.");
}

std::optional<MountInfoEntry> topmost_mount_at(const std::vector<MountInfoEntry>& table,
                                               const std::string& path) {
  // Mounts stacked on the same directory chain through parent_id; the one
  // nothing else at this path sits on is the one path lookups reach.
  const MountInfoEntry* top = nullptr;
  for (const auto& e : table) {
    if (e.mount_point != path) continue;
    bool covered = false;
    for (const auto& other : table)
      if (&other != &e && other.mount_point == path && other.parent_id == e.mount_id) covered = true;
    if (!covered) top = &e;
  }
  if (!top) return std::nullopt;
  return *top;
}

std::optional<uint64_t> unique_mount_id(const std::string& path) {
#ifndef STATX_MNT_ID_UNIQUE
  constexpr unsigned STATX_MNT_ID_UNIQUE = 0x4000U;  // linux/stat.h of Linux 6.8
#endif
  // DONT_SYNC: FUSE answers from its attribute cache instead of sending
  // GETATTR, so a mount whose daemon is not (yet) serving cannot hang us.
  struct statx stx {};
  if (statx(AT_FDCWD, path.c_str(), AT_STATX_DONT_SYNC | AT_SYMLINK_NOFOLLOW,
            STATX_MNT_ID_UNIQUE, &stx) != 0)
    return std::nullopt;
  if (!(stx.stx_mask & STATX_MNT_ID_UNIQUE)) return std::nullopt;  // kernel < 6.8
  return stx.stx_mnt_id;
}

void check_fuse_device() {
  struct stat st {};
  if (stat("/dev/fuse", &st) != 0) throw_dev_fuse_error(errno);
  if (!S_ISCHR(st.st_mode)) throw_dev_fuse_error(ENODEV);
}

void throw_dev_fuse_error(int err) {
  std::string why = errno_text(err);
  if (err == ENOENT || err == ENODEV || err == ENXIO) why += " (is the fuse module loaded?)";
  throw_mount_error("/dev/fuse", why);
}

CheckedMountpoint check_mountpoint(const std::string& given) {
  const std::string what = "mountpoint " + given;
  if (given.empty()) throw MountError("uringfuse: no mountpoint specified");

  // O_PATH resolves symlinks and ".." without talking to a FUSE daemon that
  // may sit on the final component (which stat() would wait on forever).
  const int fd = open(given.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string why = errno_text(err);
    if (err == ENOTCONN) why += " (a dead FUSE mount? try: fusermount3 -u " + given + ")";
    throw_mount_error(what, why);
  }
  FdCloser closer{fd};

  std::string path;
  if (auto p = fd_path(fd)) {
    path = std::move(*p);
  } else {
    // No /proc: fall back to realpath(), which is fine unless a hung mount sits here.
    std::unique_ptr<char, decltype(&free)> rp(realpath(given.c_str(), nullptr), &free);
    if (!rp) throw_mount_error(what, errno_text(errno));
    path = rp.get();
  }

  if (auto table = read_mountinfo()) {
    if (auto top = topmost_mount_at(*table, path); top && is_fuse_fstype(top->fstype))
      throw_mount_error(what, "mountpoint is already in use");
  }

  struct stat st {};
  if (fstat(fd, &st) != 0) throw_mount_error(what, errno_text(errno));
  if (!S_ISDIR(st.st_mode)) throw_mount_error(what, errno_text(ENOTDIR));

  return CheckedMountpoint{std::move(path), st.st_mode};
}

}  // namespace uringfuse::detail
