/* FUSE_USE_VERSION 312 (libfuse 3.12), what hello_ll and the notify examples use:
 * struct fuse_loop_config is opaque and built with fuse_loop_cfg_*; the worker loop
 * takes it by pointer. The config calls run (they need no session); the loop is
 * only referenced. */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

/* The old public layout lives on under its new name. */
_Static_assert(sizeof(struct fuse_loop_config_v1) == 8, "fuse_loop_config_v1");

static int loop_mt(struct fuse_session *se, struct fuse_loop_config *config)
{
	return fuse_session_loop_mt(se, config);
}

static int loop_mt_no_config(struct fuse_session *se)
{
	return fuse_session_loop_mt(se, NULL);
}

/* Still the three-argument custom I/O before 3.17. */
static int custom_io(struct fuse_session *se, const struct fuse_custom_io *io, int fd)
{
	return fuse_session_custom_io(se, io, fd);
}

static int notify_expire(struct fuse_session *se)
{
	return fuse_lowlevel_notify_expire_entry(se, FUSE_ROOT_ID, "x", 1);
}

int main(void)
{
	struct fuse_loop_config_v1 v1 = { .clone_fd = 0, .max_idle_threads = 4 };
	struct fuse_loop_config *config = fuse_loop_cfg_create();
	int (*volatile loop_fn)(struct fuse_session *, struct fuse_loop_config *) = loop_mt;
	int (*volatile loop0_fn)(struct fuse_session *) = loop_mt_no_config;
	int (*volatile io_fn)(struct fuse_session *, const struct fuse_custom_io *, int) = custom_io;
	int (*volatile expire_fn)(struct fuse_session *) = notify_expire;

	if (!config)
		return 1;
	fuse_loop_cfg_set_clone_fd(config, 1);
	fuse_loop_cfg_set_max_threads(config, 4);
	fuse_loop_cfg_set_idle_threads(config, 2);
	fuse_loop_cfg_convert(config, &v1);
	fuse_loop_cfg_destroy(config);
	(void)loop_fn;
	(void)loop0_fn;
	(void)io_fn;
	(void)expire_fn;
	return 0;
}
