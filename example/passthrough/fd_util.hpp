// Small helpers shared by the passthrough sources: an owning fd, the /proc path that
// reopens an O_PATH descriptor, and the name checks that keep requests inside the tree.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string_view>
#include <utility>

namespace passthrough {

// Closes on destruction; release() hands the descriptor on.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// "/proc/self/fd/N": following this magic link lands on exactly the inode behind fd N
// (a symlink itself, not its target), which is how an O_PATH fd gets reopened with real
// flags or used with calls that have no fd form (chmod, truncate, *xattr).
class ProcPath {
 public:
  explicit ProcPath(int fd) { std::snprintf(buf_, sizeof buf_, "/proc/self/fd/%d", fd); }
  const char* c_str() const { return buf_; }

 private:
  char buf_[32];
};

inline bool is_dot_or_dotdot(std::string_view name) { return name == "." || name == ".."; }

// 0 if `name` is one plain component; a '/' or an empty name could walk elsewhere.
inline int check_component(std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos)
    return EINVAL;
  return 0;
}

// For operations that create `name`: "." and ".." always exist, as the kernel would say.
inline int check_new_name(std::string_view name) {
  if (int err = check_component(name)) return err;
  return is_dot_or_dotdot(name) ? EEXIST : 0;
}

// For operations that remove or rename `name`: never "." or "..".
inline int check_existing_name(std::string_view name) {
  if (int err = check_component(name)) return err;
  return is_dot_or_dotdot(name) ? EINVAL : 0;
}

}  // namespace passthrough
