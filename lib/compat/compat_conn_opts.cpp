// fuse_parse_conn_info_opts / fuse_apply_conn_info_opts: the -o options that tune a
// connection (max_write=, readdirplus=, writeback_cache, ...), applied in init().
#include <cstring>
#include <cstdlib>

#include "compat/compat_types.hpp"

struct fuse_conn_info_opts {
  int set_max_write = 0, set_max_readahead = 0, set_max_background = 0;
  int set_congestion_threshold = 0, set_time_gran = 0;
  unsigned max_write = 0, max_readahead = 0, max_background = 0, congestion_threshold = 0, time_gran = 0;
  int async_read = 0, no_async_read = 0, atomic_o_trunc = 0, no_remote_posix_lock = 0, no_remote_flock = 0;
  int auto_inval_data = 0, no_auto_inval_data = 0, async_dio = 0, no_async_dio = 0;
  int writeback_cache = 0, no_writeback_cache = 0;
  char* readdirplus = nullptr;
};

namespace {

#define CONN_OPT(t, p, v) {t, offsetof(struct fuse_conn_info_opts, p), v}

const struct fuse_opt kConnOpts[] = {
    CONN_OPT("max_write=%u", max_write, 0),      CONN_OPT("max_write=", set_max_write, 1),
    CONN_OPT("max_readahead=%u", max_readahead, 0), CONN_OPT("max_readahead=", set_max_readahead, 1),
    CONN_OPT("max_background=%u", max_background, 0), CONN_OPT("max_background=", set_max_background, 1),
    CONN_OPT("congestion_threshold=%u", congestion_threshold, 0),
    CONN_OPT("congestion_threshold=", set_congestion_threshold, 1),
    CONN_OPT("time_gran=%u", time_gran, 0),      CONN_OPT("time_gran=", set_time_gran, 1),
    CONN_OPT("async_read", async_read, 1),       CONN_OPT("sync_read", no_async_read, 1),
    CONN_OPT("atomic_o_trunc", atomic_o_trunc, 1),
    CONN_OPT("no_remote_lock", no_remote_posix_lock, 1), CONN_OPT("no_remote_lock", no_remote_flock, 1),
    CONN_OPT("no_remote_flock", no_remote_flock, 1), CONN_OPT("no_remote_posix_lock", no_remote_posix_lock, 1),
    CONN_OPT("auto_inval_data", auto_inval_data, 1), CONN_OPT("no_auto_inval_data", no_auto_inval_data, 1),
    CONN_OPT("async_dio", async_dio, 1),         CONN_OPT("no_async_dio", no_async_dio, 1),
    CONN_OPT("writeback_cache", writeback_cache, 1), CONN_OPT("no_writeback_cache", no_writeback_cache, 1),
    CONN_OPT("readdirplus=%s", readdirplus, 0),
    FUSE_OPT_END,
};

void want(fuse_conn_info* c, bool on, uint64_t cap) {
  if (on) fuse_set_feature_flag(c, cap);
  else fuse_unset_feature_flag(c, cap);
}

}  // namespace

extern "C" {

fuse_conn_info_opts* fuse_parse_conn_info_opts(fuse_args* args) {
  auto* opts = static_cast<fuse_conn_info_opts*>(calloc(1, sizeof(fuse_conn_info_opts)));
  if (!opts) return nullptr;
  if (fuse_opt_parse(args, opts, kConnOpts, nullptr) == -1) {
    free(opts->readdirplus);
    free(opts);
    return nullptr;
  }
  return opts;
}

void fuse_apply_conn_info_opts(const fuse_conn_info_opts* o, fuse_conn_info* c) {
  if (o->set_max_write) c->max_write = o->max_write;
  if (o->set_max_readahead) c->max_readahead = o->max_readahead;
  if (o->set_max_background) c->max_background = o->max_background;
  if (o->set_congestion_threshold) c->congestion_threshold = o->congestion_threshold;
  if (o->set_time_gran) c->time_gran = o->time_gran;
  if (o->async_read || o->no_async_read) want(c, o->async_read, FUSE_CAP_ASYNC_READ);
  if (o->atomic_o_trunc) want(c, true, FUSE_CAP_ATOMIC_O_TRUNC);
  if (o->no_remote_posix_lock) want(c, false, FUSE_CAP_POSIX_LOCKS);
  if (o->no_remote_flock) want(c, false, FUSE_CAP_FLOCK_LOCKS);
  if (o->auto_inval_data || o->no_auto_inval_data) want(c, o->auto_inval_data, FUSE_CAP_AUTO_INVAL_DATA);
  if (o->async_dio || o->no_async_dio) want(c, o->async_dio, FUSE_CAP_ASYNC_DIO);
  if (o->writeback_cache || o->no_writeback_cache) want(c, o->writeback_cache, FUSE_CAP_WRITEBACK_CACHE);
  if (o->readdirplus) {
    bool no = std::strcmp(o->readdirplus, "no") == 0, yes = std::strcmp(o->readdirplus, "yes") == 0;
    want(c, !no, FUSE_CAP_READDIRPLUS);
    want(c, !no && !yes, FUSE_CAP_READDIRPLUS_AUTO);
  }
}

}  // extern "C"
