// fuse_new() and its options, fuse_lib_help(), mounting, the loops, fuse_main()
// and the -o remember cleanup thread.
#include "highlevel/fuse_object.hpp"

#include <signal.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "highlevel/highlevel_ops.hpp"
#include "highlevel/layout_calls.hpp"
#include "highlevel/request_context.hpp"

namespace uringfuse::highlevel {
namespace {

#define UF_LIB_OPT(templ, field, value) {templ, offsetof(fuse_config, field), value}

// fuse_new()'s own options; the rest go on to fuse_session_new().
const fuse_opt kLibOptions[] = {
    UF_LIB_OPT("-h", show_help, 1),
    UF_LIB_OPT("--help", show_help, 1),
    UF_LIB_OPT("debug", debug, 1),
    UF_LIB_OPT("-d", debug, 1),
    // Also the session's (its request trace): a matched field option never reaches
    // keep_for_session, so these keep the argument for fuse_session_new, as libfuse.
    FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
    FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
    UF_LIB_OPT("kernel_cache", kernel_cache, 1),
    UF_LIB_OPT("auto_cache", auto_cache, 1),
    UF_LIB_OPT("noauto_cache", auto_cache, 0),
    UF_LIB_OPT("no_rofd_flush", no_rofd_flush, 1),
    UF_LIB_OPT("umask=", set_mode, 1),
    UF_LIB_OPT("umask=%o", umask, 0),
    UF_LIB_OPT("fmask=", set_mode, 1),
    UF_LIB_OPT("fmask=%o", fmask, 0),
    UF_LIB_OPT("dmask=", set_mode, 1),
    UF_LIB_OPT("dmask=%o", dmask, 0),
    UF_LIB_OPT("uid=", set_uid, 1),
    UF_LIB_OPT("uid=%u", uid, 0),
    UF_LIB_OPT("gid=", set_gid, 1),
    UF_LIB_OPT("gid=%u", gid, 0),
    UF_LIB_OPT("entry_timeout=%lf", entry_timeout, 0),
    UF_LIB_OPT("attr_timeout=%lf", attr_timeout, 0),
    UF_LIB_OPT("ac_attr_timeout=%lf", ac_attr_timeout, 0),
    UF_LIB_OPT("ac_attr_timeout=", ac_attr_timeout_set, 1),
    UF_LIB_OPT("negative_timeout=%lf", negative_timeout, 0),
    UF_LIB_OPT("noforget", remember, -1),
    UF_LIB_OPT("remember=%u", remember, 0),
    UF_LIB_OPT("modules=%s", modules, 0),
    UF_LIB_OPT("intr", intr, 1),
    UF_LIB_OPT("intr_signal=%d", intr_signal, 0),
    UF_LIB_OPT("hard_remove", hard_remove, 1),
    UF_LIB_OPT("use_ino", use_ino, 1),
    UF_LIB_OPT("readdir_ino", readdir_ino, 1),
    UF_LIB_OPT("direct_io", direct_io, 1),
    UF_LIB_OPT("parallel_direct_writes", parallel_direct_writes, 1),
    FUSE_OPT_END,
};

// Everything fuse_new() does not know is the session's, but the help.
int keep_for_session(void*, const char* arg, int, fuse_args*) {
  return std::strcmp(arg, "-h") != 0 && std::strcmp(arg, "--help") != 0;
}

void stop_cleanup(fuse* f) {
  {
    std::lock_guard lock(f->cleanup_mutex);
    f->cleanup_stop = true;
  }
  f->cleanup_wake.notify_all();
  if (f->cleanup_thread.joinable()) f->cleanup_thread.join();
}

}  // namespace

fuse* new_fuse(fuse_args* args, const fuse_operations* op, size_t op_size, void* user_data,
               CallerLayout layout) {
  auto f = std::make_unique<fuse>();
  fuse_config& c = f->conf;
  c.entry_timeout = 1.0;
  c.attr_timeout = 1.0;
  c.intr_signal = SIGUSR1;  // libfuse's default
  if (fuse_opt_parse(args, &c, kLibOptions, keep_for_session) == -1) return nullptr;
  if (c.modules) {
    // libfuse's subdir and iconv modules are not there (doc/path-api.md): say so
    // instead of serving a different tree than asked for.
    fuse_log(FUSE_LOG_ERR, "fuse: modules are not supported by uringfuse (modules=%s)\n", c.modules);
    std::free(c.modules);
    return nullptr;
  }
  if (!c.ac_attr_timeout_set) c.ac_attr_timeout = c.attr_timeout;
  if (c.intr) install_interrupt_signal(c.intr_signal);
  f->fs = new_fs(op, op_size, user_data, layout);
  f->fs->debug = c.debug != 0;
  f->nodes = std::make_unique<NodeTable>(c.remember);
  fuse_lowlevel_ops llops{};
  add_name_ops(llops);
  add_file_ops(llops);
  add_dir_ops(llops);
  f->se = fuse_session_new(args, &llops, sizeof llops, f.get());
  if (!f->se) {
    delete f->fs;
    return nullptr;
  }
  return f.release();
}

fuse* new_fuse_30(fuse_args* args, const fuse_operations* op, size_t op_size, void* user_data,
                  CallerLayout layout) {
  fuse_config c{};
  const fuse_opt help[] = {UF_LIB_OPT("-h", show_help, 1), UF_LIB_OPT("--help", show_help, 1), FUSE_OPT_END};
  if (fuse_opt_parse(args, &c, help, [](void*, const char*, int, fuse_args*) { return 1; }) == -1)
    return nullptr;
  if (c.show_help) {
    fuse_lib_help(args);
    return nullptr;
  }
  return new_fuse(args, op, op_size, user_data, layout);
}

int main_real(int argc, char* argv[], const fuse_operations* op, size_t op_size, void* user_data,
              CallerLayout layout, int* loop_result) {
  fuse_args args = FUSE_ARGS_INIT(argc, argv);
  fuse_cmdline_opts opts{};
  if (fuse_parse_cmdline(&args, &opts) != 0) return 1;
  int res = 0;
  fuse* f = nullptr;
  fuse_loop_config* loop_config = nullptr;
  if (opts.show_version) {
    std::printf("FUSE library version %s\n", fuse_pkgversion());
    fuse_lowlevel_version();
    goto out;
  }
  if (opts.show_help) {
    if (args.argv[0][0] != '\0') std::printf("usage: %s [options] <mountpoint>\n\n", args.argv[0]);
    std::printf("FUSE options:\n");
    fuse_cmdline_help();
    fuse_lib_help(&args);
    goto out;
  }
  if (!opts.mountpoint) {
    fuse_log(FUSE_LOG_ERR, "error: no mountpoint specified\n");
    res = 2;
    goto out;
  }
  f = new_fuse(&args, op, op_size, user_data, layout);
  if (!f) {
    res = 3;
    goto out;
  }
  if (fuse_mount(f, opts.mountpoint) != 0) {
    res = 4;
    goto destroy;
  }
  if (fuse_daemonize(opts.foreground) != 0) {
    res = 5;
    goto unmount;
  }
  if (fuse_set_signal_handlers(f->se) != 0) {
    res = 6;
    goto unmount;
  }
  if (opts.singlethread) {
    res = fuse_loop(f);
  } else {
    loop_config = fuse_loop_cfg_create();
    if (!loop_config) {
      res = 7;
      goto signals;
    }
    fuse_loop_cfg_set_clone_fd(loop_config, static_cast<unsigned>(opts.clone_fd));
    fuse_loop_cfg_set_idle_threads(loop_config, opts.max_idle_threads);
    fuse_loop_cfg_set_max_threads(loop_config, opts.max_threads);
    res = fuse_loop_mt_312(f, loop_config);
  }
  if (loop_result) *loop_result = res;
  if (res) res = 8;
signals:
  fuse_remove_signal_handlers(f->se);
unmount:
  fuse_unmount(f);
destroy:
  fuse_destroy(f);
out:
  fuse_loop_cfg_destroy(loop_config);
  std::free(opts.mountpoint);
  fuse_opt_free_args(&args);
  return res;
}

}  // namespace uringfuse::highlevel

using namespace uringfuse::highlevel;

extern "C" {

void fuse_lib_help(fuse_args*) {
  // The options of fuse_new() that matter to whoever mounts, then the session's.
  std::printf(
      "    -o kernel_cache        cache files in kernel\n"
      "    -o [no]auto_cache      enable caching based on modification times (off)\n"
      "    -o no_rofd_flush       disable flushing of read-only fd on close (off)\n"
      "    -o umask=M             set file permissions (octal)\n"
      "    -o fmask=M             set file permissions (octal)\n"
      "    -o dmask=M             set dir  permissions (octal)\n"
      "    -o uid=N               set file owner\n"
      "    -o gid=N               set file group\n"
      "    -o entry_timeout=T     cache timeout for names (1.0s)\n"
      "    -o negative_timeout=T  cache timeout for deleted names (0.0s)\n"
      "    -o attr_timeout=T      cache timeout for attributes (1.0s)\n"
      "    -o ac_attr_timeout=T   auto cache timeout for attributes (attr_timeout)\n"
      "    -o noforget            never forget cached inodes\n"
      "    -o remember=T          remember cached inodes for T seconds (0s)\n"
      "    -o hard_remove         immediate removal (don't hide files)\n"
      "    -o use_ino             let filesystem set inode numbers\n"
      "    -o readdir_ino         try to fill in d_ino in readdir\n"
      "    -o direct_io           use direct I/O\n"
      "    -o intr                allow requests to be interrupted\n"
      "    -o intr_signal=NUM     signal to send on interrupt (%d)\n",
      SIGUSR1);
  fuse_lowlevel_help();
}

int fuse_mount(fuse* f, const char* mountpoint) { return fuse_session_mount(f->se, mountpoint); }
void fuse_unmount(fuse* f) { fuse_session_unmount(f->se); }

void fuse_destroy(fuse* f) {
  if (!f) return;
  stop_cleanup(f);
  fuse_session_destroy(f->se);  // runs destroy() if INIT was answered
  std::free(f->conf.modules);
  delete f->fs;  // its destroy() ran with the session's, or never was due
  delete f;
}

int fuse_loop(fuse* f) {
  if (!f) return -1;
  if (fuse_start_cleanup_thread(f) != 0) return -1;
  const int res = fuse_session_loop(f->se);
  fuse_stop_cleanup_thread(f);
  return res;
}

void fuse_exit(fuse* f) { fuse_session_exit(f->se); }

int fuse_loop_mt_312(fuse* f, fuse_loop_config* config) {
  if (!f) return -1;
  if (fuse_start_cleanup_thread(f) != 0) return -1;
  const int res = fuse_session_loop_mt_312(f->se, config);
  fuse_stop_cleanup_thread(f);
  return res;
}

int fuse_loop_mt_32(fuse* f, fuse_loop_config_v1* config) {
  fuse_loop_config* c = fuse_loop_cfg_create();
  if (!c) return -1;
  if (config) fuse_loop_cfg_convert(c, config);
  const int res = fuse_loop_mt_312(f, c);
  fuse_loop_cfg_destroy(c);
  return res;
}

int fuse_loop_mt_31(fuse* f, int clone_fd) {
  fuse_loop_config_v1 v1{clone_fd, 10};
  return fuse_loop_mt_32(f, &v1);
}

fuse_session* fuse_get_session(const fuse* f) { return f->se; }

int fuse_invalidate_path(fuse* f, const char* path) {
  // Walk the names we know down to the node; an unknown name has nothing cached.
  NodeId parent = kRootNode, node = kRootNode;
  std::string name;
  const std::string p(path ? path : "");
  std::size_t at = 0;
  while (at < p.size()) {
    const std::size_t end = p.find('/', at);
    const std::size_t stop = end == std::string::npos ? p.size() : end;
    if (stop > at) {
      name = p.substr(at, stop - at);
      auto id = f->nodes->find(node, name);
      if (!id) return -ENOENT;
      parent = node;
      node = *id;
    }
    at = stop + 1;
  }
  int res = fuse_lowlevel_notify_inval_inode(f->se, node, 0, 0);
  if (node != kRootNode) {
    const int entry = fuse_lowlevel_notify_inval_entry(f->se, parent, name.c_str(), name.size());
    if (res == 0) res = entry;
  }
  return res;
}

int fuse_clean_cache(fuse* f) {
  f->nodes->drop_forgotten();
  // Look again after half the remember time, so no node outlives it by more.
  const int remember = f->nodes->remember_seconds();
  return remember > 1 ? remember / 2 : 1;
}

int fuse_start_cleanup_thread(fuse* f) {
  if (f->nodes->remember_seconds() <= 0 || f->cleanup_thread.joinable()) return 0;
  f->cleanup_stop = false;
  try {
    f->cleanup_thread = std::thread([f] {
      std::unique_lock lock(f->cleanup_mutex);
      while (!f->cleanup_stop) {
        lock.unlock();
        const int wait = fuse_clean_cache(f);
        lock.lock();
        f->cleanup_wake.wait_for(lock, std::chrono::seconds(wait), [f] { return f->cleanup_stop; });
      }
    });
  } catch (const std::system_error&) {
    return -1;
  }
  return 0;
}

void fuse_stop_cleanup_thread(fuse* f) { stop_cleanup(f); }

int fuse_notify_poll(fuse_pollhandle* ph) { return fuse_lowlevel_notify_poll(ph); }

}  // extern "C"
