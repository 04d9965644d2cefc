#include "tree_compare.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>

namespace uringfuse::test {
namespace {

void walk_into(const std::string& root, const std::string& rel, std::vector<std::string>& out) {
  std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string child = rel.empty() ? name : rel + "/" + name;
    out.push_back(child);
    struct stat st {};
    if (::lstat((root + "/" + child).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) walk_into(root, child, out);
  }
}

std::map<std::string, std::string> user_xattrs(const std::string& path) {
  std::map<std::string, std::string> out;
  ssize_t n = ::llistxattr(path.c_str(), nullptr, 0);
  if (n <= 0) return out;
  std::string names(static_cast<std::size_t>(n), '\0');
  n = ::llistxattr(path.c_str(), names.data(), names.size());
  if (n <= 0) return out;
  names.resize(static_cast<std::size_t>(n));
  for (std::size_t at = 0; at < names.size();) {
    std::string name = names.c_str() + at;
    at += name.size() + 1;
    if (name.rfind("user.", 0) != 0) continue;
    ssize_t len = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    std::string value(len > 0 ? static_cast<std::size_t>(len) : 0, '\0');
    if (len > 0) len = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    out[name] = len >= 0 ? value.substr(0, static_cast<std::size_t>(len)) : "<error " + std::to_string(errno) + ">";
  }
  return out;
}

std::string link_target(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? "<error " + std::to_string(errno) + ">" : std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

std::vector<std::string> walk_tree(const std::string& root) {
  std::vector<std::string> out;
  walk_into(root, "", out);
  return out;
}

std::string file_bytes(const std::string& path, bool* ok) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ok) *ok = fd >= 0;
  if (fd < 0) return out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  if (n < 0 && ok) *ok = false;
  ::close(fd);
  return out;
}

std::string noise(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  std::uint64_t x = 0x9e3779b97f4a7c15ULL ^ seed;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

std::vector<std::string> compare_trees(const std::string& expected, const std::string& actual) {
  std::vector<std::string> diffs;
  auto want = walk_tree(expected), got = walk_tree(actual);
  if (want != got) {
    std::vector<std::string> missing, extra;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
    for (const auto& m : missing) diffs.push_back("missing: " + m);
    for (const auto& e : extra) diffs.push_back("unexpected: " + e);
  }
  for (const auto& rel : want) {
    if (std::find(got.begin(), got.end(), rel) == got.end()) continue;
    std::string a = expected + "/" + rel, b = actual + "/" + rel;
    struct stat sa {}, sb {};
    if (::lstat(a.c_str(), &sa) != 0 || ::lstat(b.c_str(), &sb) != 0) {
      diffs.push_back(rel + ": lstat failed: " + std::strerror(errno));
      continue;
    }
    auto differ = [&](const char* what, long long x, long long y) {
      if (x != y) diffs.push_back(rel + ": " + what + " " + std::to_string(x) + " != " + std::to_string(y));
    };
    differ("mode", sa.st_mode, sb.st_mode);
    differ("uid", sa.st_uid, sb.st_uid);
    differ("gid", sa.st_gid, sb.st_gid);
    differ("mtime", sa.st_mtim.tv_sec, sb.st_mtim.tv_sec);
    if (!S_ISDIR(sa.st_mode)) differ("nlink", static_cast<long long>(sa.st_nlink), static_cast<long long>(sb.st_nlink));
    if (S_ISREG(sa.st_mode)) {
      differ("size", sa.st_size, sb.st_size);
      bool ok = false;
      std::string bytes = file_bytes(b, &ok);
      if (!ok) diffs.push_back(rel + ": cannot read: " + std::strerror(errno));
      else if (bytes != file_bytes(a)) diffs.push_back(rel + ": contents differ");
    } else if (S_ISLNK(sa.st_mode)) {
      if (link_target(a) != link_target(b)) diffs.push_back(rel + ": link target " + link_target(b));
    } else if (S_ISCHR(sa.st_mode) || S_ISBLK(sa.st_mode)) {
      differ("rdev", static_cast<long long>(sa.st_rdev), static_cast<long long>(sb.st_rdev));
    }
    if (user_xattrs(a) != user_xattrs(b)) diffs.push_back(rel + ": user xattrs differ");
  }
  return diffs;
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.insert(e->d_name);
    ::closedir(d);
  }
  return names;
}

}  // namespace uringfuse::test
