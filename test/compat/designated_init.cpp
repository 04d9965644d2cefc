// A tiny read-only filesystem in C++20 whose operation table is written with
// designated initializers. C++ requires them in declaration order, so this file
// only compiles if fuse_lowlevel_ops lists its members in libfuse's order.
#define FUSE_USE_VERSION 319

#include <fuse_lowlevel.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string_view>

namespace {

constexpr fuse_ino_t kFileIno = 2;
constexpr std::string_view kFileName = "greeting";
constexpr std::string_view kFileText = "designated initializers, in order\n";

bool fill_stat(fuse_ino_t ino, struct stat* st) {
  *st = {};
  st->st_ino = ino;
  if (ino == FUSE_ROOT_ID) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
  } else if (ino == kFileIno) {
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_size = static_cast<off_t>(kFileText.size());
  } else {
    return false;
  }
  return true;
}

void di_init(void* /*userdata*/, struct fuse_conn_info* conn) {
  // Replies come from the thread that received the request; interrupts are moot.
  fuse_set_conn_flag(conn, FUSE_CONN_FLAG_SINGLE_ISSUER);
  fuse_set_conn_flag(conn, FUSE_CONN_FLAG_NO_INTERRUPT);
}

void di_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (parent != FUSE_ROOT_ID || kFileName != name) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  fuse_entry_param e{};
  e.ino = kFileIno;
  e.attr_timeout = 1.0;
  e.entry_timeout = 1.0;
  fill_stat(e.ino, &e.attr);
  fuse_reply_entry(req, &e);
}

void di_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* /*fi*/) {
  struct stat st;
  if (!fill_stat(ino, &st))
    fuse_reply_err(req, ENOENT);
  else
    fuse_reply_attr(req, &st, 1.0);
}

void di_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (ino != kFileIno)
    fuse_reply_err(req, EISDIR);
  else if ((fi->flags & O_ACCMODE) != O_RDONLY)
    fuse_reply_err(req, EACCES);
  else
    fuse_reply_open(req, fi);
}

void di_read(fuse_req_t req, fuse_ino_t /*ino*/, size_t size, off_t off, fuse_file_info* /*fi*/) {
  if (off < 0 || static_cast<size_t>(off) >= kFileText.size()) {
    fuse_reply_buf(req, nullptr, 0);
    return;
  }
  std::string_view rest = kFileText.substr(static_cast<size_t>(off), size);
  fuse_reply_buf(req, rest.data(), rest.size());
}

void di_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* /*fi*/) {
  if (ino != FUSE_ROOT_ID) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  struct Entry {
    const char* name;
    fuse_ino_t ino;
    mode_t type;
  };
  const Entry entries[] = {{".", FUSE_ROOT_ID, S_IFDIR},
                           {"..", FUSE_ROOT_ID, S_IFDIR},
                           {kFileName.data(), kFileIno, S_IFREG}};
  char buf[1024];
  size_t used = 0;
  size_t limit = size < sizeof buf ? size : sizeof buf;
  // Here the cookie is the index of the next entry.
  for (off_t i = off; i >= 0 && i < static_cast<off_t>(std::size(entries)); ++i) {
    struct stat st {};
    st.st_ino = entries[i].ino;
    st.st_mode = entries[i].type;
    size_t len = fuse_add_direntry(req, buf + used, limit - used, entries[i].name, &st, i + 1);
    if (len > limit - used) break;
    used += len;
  }
  fuse_reply_buf(req, buf, used);
}

// Members must appear in the order fuse_lowlevel_ops declares them.
const struct fuse_lowlevel_ops di_ops = {
    .init = di_init,
    .lookup = di_lookup,
    .getattr = di_getattr,
    .open = di_open,
    .read = di_read,
    .readdir = di_readdir,
};

}  // namespace

int main(int argc, char* argv[]) {
  fuse_args args = FUSE_ARGS_INIT(argc, argv);
  fuse_cmdline_opts opts{};
  int ret = 1;

  if (fuse_parse_cmdline(&args, &opts) != 0) return 1;
  if (opts.show_help || opts.show_version || opts.mountpoint == nullptr) {
    if (opts.show_version) {
      std::printf("FUSE library version %s\n", fuse_pkgversion());
      fuse_lowlevel_version();
    } else {
      std::printf("usage: %s [options] <mountpoint>\n\n", argv[0]);
      fuse_cmdline_help();
      fuse_lowlevel_help();
    }
    std::free(opts.mountpoint);
    fuse_opt_free_args(&args);
    return opts.show_help || opts.show_version ? 0 : 1;
  }

  fuse_session* se = fuse_session_new(&args, &di_ops, sizeof(di_ops), nullptr);
  if (se != nullptr) {
    if (fuse_set_signal_handlers(se) == 0) {
      if (fuse_session_mount(se, opts.mountpoint) == 0) {
        fuse_daemonize(opts.foreground);
        if (opts.singlethread) {
          ret = fuse_session_loop(se);
        } else {
          fuse_loop_config* cfg = fuse_loop_cfg_create();
          fuse_loop_cfg_set_clone_fd(cfg, static_cast<unsigned>(opts.clone_fd));
          fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
          ret = fuse_session_loop_mt(se, cfg);
          fuse_loop_cfg_destroy(cfg);
        }
        fuse_session_unmount(se);
      }
      fuse_remove_signal_handlers(se);
    }
    fuse_session_destroy(se);
  }
  std::free(opts.mountpoint);
  fuse_opt_free_args(&args);
  return ret ? 1 : 0;
}
