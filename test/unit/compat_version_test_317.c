/* FUSE_USE_VERSION 317 (libfuse 3.17): custom I/O takes the size of the caller's
 * struct fuse_custom_io; feature flags go through the 64-bit helpers; passthrough,
 * fail-signal handlers and syslog logging exist. Built, not run. */
#define FUSE_USE_VERSION 317
#include <fuse_lowlevel.h>

#include <syslog.h>

static int custom_io(struct fuse_session *se, const struct fuse_custom_io *io, int fd)
{
	return fuse_session_custom_io(se, io, sizeof *io, fd);
}

static void init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (fuse_get_feature_flag(conn, FUSE_CAP_PASSTHROUGH))
		fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH);
	fuse_unset_feature_flag(conn, FUSE_CAP_SECURITY_CTX);
}

static int passthrough(fuse_req_t req, int fd)
{
	int id = fuse_passthrough_open(req, fd);
	return id > 0 ? fuse_passthrough_close(req, id) : id;
}

static struct fuse_session *new_versioned(struct fuse_args *args, const struct fuse_lowlevel_ops *op)
{
	struct libfuse_version version = { FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION, 0 };
	return fuse_session_new_versioned(args, op, sizeof *op, &version, NULL);
}

static int signals(struct fuse_session *se)
{
	return fuse_set_fail_signal_handlers(se);
}

static void logging(void)
{
	fuse_log_enable_syslog("compat", LOG_PID, LOG_DAEMON);
	fuse_log(FUSE_LOG_INFO, "%d\n", 317);
	fuse_log_close_syslog();
}

int main(void)
{
	struct fuse_lowlevel_ops ops = { .init = init };
	int (*volatile io_fn)(struct fuse_session *, const struct fuse_custom_io *, int) = custom_io;
	int (*volatile pt_fn)(fuse_req_t, int) = passthrough;
	struct fuse_session *(*volatile new_fn)(struct fuse_args *, const struct fuse_lowlevel_ops *) =
		new_versioned;
	int (*volatile sig_fn)(struct fuse_session *) = signals;
	void (*volatile log_fn)(void) = logging;
	(void)io_fn;
	(void)pt_fn;
	(void)new_fn;
	(void)sig_fn;
	(void)log_fn;
	return ops.init == init ? 0 : 1;
}
