// Directories: opendir/releasedir/fsyncdir, and readdir(plus) for both kinds of
// path filesystem: those that hand out the whole directory in one call (offset 0
// for every name; the listing is kept in the handle and served in pieces) and
// those that give each name its offset (the filesystem is called at each offset).
#include <cerrno>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "highlevel/attr_policy.hpp"
#include "highlevel/highlevel_ops.hpp"
#include "highlevel/request_context.hpp"

namespace uringfuse::highlevel {
namespace {

struct DirEntry {
  std::string name;
  struct stat st;
  bool has_stat;
  fuse_fill_dir_flags flags;
};

// What fi->fh holds for an open directory; the filesystem's own handle is inside.
struct DirHandle {
  std::mutex mutex;
  std::uint64_t fh = 0;
  fuse_ino_t ino = 0;
  std::vector<DirEntry> entries;  // the whole listing, once read at offset 0
  bool filled = false;
  // The filesystem gives offsets: it is asked at each one, also after its last,
  // empty answer (which must not pass for an empty whole listing: seekdir()
  // back into the directory would find nothing).
  bool by_offset = false;
};

DirHandle* handle_of(const fuse_file_info* fi) { return reinterpret_cast<DirHandle*>(fi->fh); }

// Counted in fuse::open_dirs from opendir's reply to releasedir.
DirHandle* new_handle(fuse* f, fuse_ino_t ino, std::uint64_t fh) {
  auto* dh = new DirHandle;
  dh->fh = fh;
  dh->ino = ino;
  std::lock_guard lock(f->open_dirs_mutex);
  f->open_dirs.insert(dh);
  return dh;
}

void delete_handle(fuse* f, DirHandle* dh) {
  {
    std::lock_guard lock(f->open_dirs_mutex);
    f->open_dirs.erase(dh);
  }
  delete dh;
}

// The filesystem's view of the open directory: its own fh.
fuse_file_info user_info(const fuse_file_info* fi) {
  fuse_file_info copy = *fi;
  copy.fh = handle_of(fi)->fh;
  return copy;
}

// Fills one reply buffer.
class Listing {
 public:
  Listing(fuse* f, fuse_req_t req, fuse_ino_t dir, size_t size, bool plus)
      : f_(f), req_(req), dir_(dir), plus_(plus), buf_(size) {}

  // Adds a name at `next_off` (the offset the kernel continues from); false if
  // the buffer is full. With readdirplus, a name whose stat is complete becomes a
  // looked-up node, counted only once it is in the buffer.
  bool add(const char* name, const struct stat* st, off_t next_off, fuse_fill_dir_flags flags) {
    const size_t room = buf_.size() - used_;
    char* at = buf_.data() + used_;
    size_t need;
    if (!plus_) {
      struct stat s{};
      if (st) s = *st;
      s.st_ino = readdir_ino(f_, dir_, name, st);
      need = fuse_add_direntry(req_, nullptr, 0, name, &s, next_off);
      if (need > room) return false;
      fuse_add_direntry(req_, at, room, name, &s, next_off);
    } else {
      fuse_entry_param e{};
      need = fuse_add_direntry_plus(req_, nullptr, 0, name, &e, next_off);
      if (need > room) return false;
      const bool dot = std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0;
      std::optional<LookupResult> node;
      if (st && (flags & FUSE_FILL_DIR_PLUS) && !dot) node = f_->nodes->lookup(dir_, name);
      if (node) {
        e = make_entry(f_, *node, *st);
      } else {  // a name only: the kernel looks it up when it needs it
        if (st) e.attr = *st;
        e.attr.st_ino = readdir_ino(f_, dir_, name, st);
      }
      fuse_add_direntry_plus(req_, at, room, name, &e, next_off);
    }
    used_ += need;
    return true;
  }

  void reply() { fuse_reply_buf(req_, buf_.data(), used_); }

 private:
  fuse* f_;
  fuse_req_t req_;
  fuse_ino_t dir_;
  bool plus_;
  std::vector<char> buf_;
  size_t used_ = 0;
};

// What the filler gets as its `buf`.
struct FillContext {
  Listing* listing;
  DirHandle* handle;
  bool by_offset = false;
  bool full = false;
};

int fill(void* buf, const char* name, const struct stat* st, off_t off, fuse_fill_dir_flags flags) {
  auto* ctx = static_cast<FillContext*>(buf);
  if (ctx->full) return 1;
  if (off != 0) {
    ctx->by_offset = true;
    if (!ctx->listing->add(name, st, off, flags)) {
      ctx->full = true;
      return 1;
    }
    return 0;
  }
  DirEntry e{name, {}, st != nullptr, flags};
  if (st) e.st = *st;
  ctx->handle->entries.push_back(std::move(e));
  return 0;
}

void reply_status(RequestScope& scope, fuse_req_t req, int res) {
  scope.end();
  fuse_reply_err(req, res < 0 ? -res : 0);
}

// Fills `listing` for one READDIR(PLUS); returns 0 or a negative errno. Runs under
// the directory's lock, which the caller drops before replying: once the reply is
// out, the kernel may send RELEASEDIR, which frees the handle on another thread.
int fill_listing(fuse* f, fuse_ino_t ino, off_t off, fuse_file_info* fi, bool plus, Listing& listing) {
  std::shared_lock tree(f->tree);
  DirHandle* dh = handle_of(fi);
  std::lock_guard lock(dh->mutex);
  if (off == 0 || !dh->filled) {  // never filled for a filesystem that gives offsets
    if (off == 0) {
      dh->entries.clear();
      dh->filled = false;
    }
    auto path = path_for_open_file(f, ino);
    fuse_file_info mine = user_info(fi);
    FillContext ctx{&listing, dh};
    const int res = fuse_fs_readdir(f->fs, c_path(path), &ctx, fill, off, &mine,
                                    plus ? FUSE_READDIR_PLUS : FUSE_READDIR_DEFAULTS);
    if (res != 0) {
      dh->entries.clear();
      return res;
    }
    if (ctx.by_offset) dh->by_offset = true;
    if (dh->by_offset) return 0;
    dh->filled = true;
  }
  for (size_t i = static_cast<size_t>(off); i < dh->entries.size(); ++i) {
    const DirEntry& e = dh->entries[i];
    if (!listing.add(e.name.c_str(), e.has_stat ? &e.st : nullptr, static_cast<off_t>(i + 1), e.flags)) break;
  }
  return 0;
}

void serve_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  Listing listing(f, req, ino, size, plus);
  const int res = fill_listing(f, ino, off, fi, plus, listing);
  if (res != 0) return reply_status(scope, req, res);
  scope.end();
  listing.reply();
}

void hl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  serve_readdir(req, ino, size, off, fi, false);
}

void hl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  serve_readdir(req, ino, size, off, fi, true);
}

void hl_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = f->nodes->path(ino);
  if (!path) return reply_status(scope, req, -ENOENT);
  int res = fuse_fs_opendir(f->fs, path->c_str(), fi);
  if (res != 0) return reply_status(scope, req, res);
  DirHandle* dh = new_handle(f, ino, fi->fh);
  fi->fh = reinterpret_cast<std::uint64_t>(dh);
  scope.end();
  if (reply_refused(fuse_reply_open(req, fi))) {  // no RELEASEDIR will come for it
    fuse_file_info mine = user_info(fi);
    fuse_fs_releasedir(f->fs, path->c_str(), &mine);
    delete_handle(f, dh);
  }
}

void hl_releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  int res;
  {
    std::shared_lock tree(f->tree);
    auto path = path_for_open_file(f, ino);
    fuse_file_info mine = user_info(fi);
    res = fuse_fs_releasedir(f->fs, c_path(path), &mine);
  }
  delete_handle(f, handle_of(fi));
  reply_status(scope, req, res);
}

void hl_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  fuse* f = fuse_of(req);
  RequestScope scope(f, req);
  std::shared_lock tree(f->tree);
  auto path = path_for_open_file(f, ino);
  fuse_file_info mine = user_info(fi);
  reply_status(scope, req, fuse_fs_fsyncdir(f->fs, c_path(path), datasync, &mine));
}

}  // namespace

void release_dirs_left_open(fuse* f) {
  std::unordered_set<void*> left;
  {
    std::lock_guard lock(f->open_dirs_mutex);
    left.swap(f->open_dirs);
  }
  std::shared_lock tree(f->tree);
  for (void* p : left) {
    auto* dh = static_cast<DirHandle*>(p);
    auto path = f->nodes->path(dh->ino);  // none if its name went meanwhile
    fuse_file_info mine{};
    mine.fh = dh->fh;
    fuse_fs_releasedir(f->fs, c_path(path), &mine);
    delete dh;
  }
}

void add_dir_ops(fuse_lowlevel_ops& ops) {
  ops.opendir = hl_opendir;
  ops.readdir = hl_readdir;
  ops.readdirplus = hl_readdirplus;
  ops.releasedir = hl_releasedir;
  ops.fsyncdir = hl_fsyncdir;
}

}  // namespace uringfuse::highlevel
