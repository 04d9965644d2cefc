#include "highlevel/attr_policy.hpp"

#include <cstring>

namespace uringfuse::highlevel {
namespace {
// libfuse's "inode number unknown" in directory entries.
constexpr ino_t kUnknownIno = 0xffffffff;
}  // namespace

void apply_attr_policy(const fuse* f, NodeId node, struct stat& st) {
  const fuse_config& c = f->conf;
  if (!c.use_ino) st.st_ino = node;
  if (c.set_mode) {
    // libfuse's order: dmask for directories, else fmask for anything (a directory
    // too when no dmask is given), else umask.
    mode_t mask = c.umask;
    if (S_ISDIR(st.st_mode) && c.dmask) mask = c.dmask;
    else if (c.fmask) mask = c.fmask;
    st.st_mode = (st.st_mode & S_IFMT) | (0777 & ~mask);
  }
  if (c.set_uid) st.st_uid = c.uid;
  if (c.set_gid) st.st_gid = c.gid;
}

fuse_entry_param make_entry(const fuse* f, const LookupResult& node, const struct stat& st) {
  fuse_entry_param e{};
  e.ino = node.id;
  e.generation = node.generation;
  e.attr = st;
  apply_attr_policy(f, node.id, e.attr);
  e.attr_timeout = f->conf.attr_timeout;
  e.entry_timeout = f->conf.entry_timeout;
  return e;
}

fuse_entry_param negative_entry(const fuse* f) {
  fuse_entry_param e{};
  e.entry_timeout = f->conf.negative_timeout;
  return e;
}

ino_t readdir_ino(const fuse* f, NodeId dir, const char* name, const struct stat* st) {
  if (f->conf.use_ino && st) return st->st_ino;
  if (f->conf.readdir_ino) {
    if (std::strcmp(name, ".") == 0) return dir;
    if (auto id = f->nodes->find(dir, name)) return *id;
  }
  return kUnknownIno;
}

}  // namespace uringfuse::highlevel
