/* FUSE_USE_VERSION 319 (libfuse 3.19), what ioctl_ll uses: unsigned ioctl command,
 * C99 designated initializers in slot order, early daemonize, connection flags and
 * the 3.18/3.19 request, reply and notification calls. Built, not run. */
#define FUSE_USE_VERSION 319
#include <fuse_lowlevel.h>
#include <fuse_daemonize.h>

#include <errno.h>

static void init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	fuse_set_conn_flag(conn, FUSE_CONN_FLAG_SINGLE_ISSUER);
	fuse_set_conn_flag(conn, FUSE_CONN_FLAG_NO_INTERRUPT);
}

static void do_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	char *payload;
	size_t payload_sz;
	void *mr;

	(void)ino;
	(void)off;
	(void)fi;
	if (fuse_req_is_uring(req) && fuse_req_get_payload(req, &payload, &payload_sz, &mr) == 0 &&
	    size <= payload_sz) {
		fuse_reply_buf(req, payload, 0);
		return;
	}
	fuse_reply_err(req, EIO);
}

static void do_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg, struct fuse_file_info *fi,
		     unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	(void)ino;
	(void)cmd;
	(void)arg;
	(void)fi;
	(void)in_buf;
	(void)in_bufsz;
	(void)out_bufsz;
	if (flags & FUSE_IOCTL_COMPAT)
		fuse_reply_err(req, ENOSYS);
	else
		fuse_reply_ioctl(req, 0, NULL, 0);
}

static void do_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask, struct fuse_file_info *fi)
{
	(void)ino;
	(void)mask;
	(void)fi;
	fuse_reply_statx(req, flags, NULL, 1.0);
}

/* Designated initializers in declaration order (what C++20 requires of memfs_ll). */
static const struct fuse_lowlevel_ops ops = {
	.init = init,
	.read = do_read,
	.ioctl = do_ioctl,
	.statx = do_statx,
};

static int session_calls(struct fuse_session *se)
{
	fuse_ino_t nodes[1] = { 2 };
	fuse_session_set_debug(se);
	fuse_session_set_sync_init(se, true);
	if (fuse_lowlevel_notify_increment_epoch(se) != 0)
		return -1;
	return fuse_lowlevel_notify_prune(se, nodes, 1);
}

static int daemonize(void)
{
	int res = fuse_daemonize_early_start(FUSE_DAEMONIZE_NO_BACKGROUND);
	if (res != 0) {
		fuse_daemonize_early_fail(res);
		return res;
	}
	if (fuse_daemonize_early_is_active())
		fuse_daemonize_early_success();
	return 0;
}

/* Unsigned, as libfuse has them: a signed shift is not a flag mask. */
_Static_assert(_Generic(FUSE_CONN_FLAG_NO_INTERRUPT, unsigned int: 1, default: 0), "unsigned connection flags");
_Static_assert(_Generic(FUSE_CONN_FLAG_SINGLE_ISSUER, unsigned int: 1, default: 0), "unsigned connection flags");

int main(void)
{
	bool (*volatile sync_init_fn)(const struct fuse_conn_info *) = fuse_conn_is_sync_init;
	(void)sync_init_fn;
	int (*volatile session_fn)(struct fuse_session *) = session_calls;
	int (*volatile daemonize_fn)(void) = daemonize;
	(void)session_fn;
	(void)daemonize_fn;
	return ops.ioctl == do_ioctl && fuse_version() == 319 ? 0 : 1;
}
